"""Photos chosen on the report form, kept while the resident answers the "Is it one of these?"
step: a browser cannot carry files from one page to the next, so the checked and re-encoded
copies wait in storage under the form's one-time token (128 random bits) until the report is
filed. Copies nobody comes back for are swept after a day."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from cocity.needs.photos import prepare_photos

ROOT = "needs/staging"
MAX_AGE = timedelta(days=1)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def token_ok(token: str) -> bool:
    return bool(_TOKEN.fullmatch(token or ""))


def _folder(token: str) -> str:
    if not token_ok(token):
        raise ValueError("not a form token")
    return f"{ROOT}/{token}"


def _files(folder: str) -> list[str]:
    if not default_storage.exists(folder):
        return []
    return sorted(f"{folder}/{name}" for name in default_storage.listdir(folder)[1])


def photos_stage(*, token: str, uploads: list[Any]) -> int:
    """Check the photos now (an error shows on the form) and keep their re-encoded copies,
    replacing any kept before under the same token. Returns how many are kept."""
    prepared = prepare_photos(uploads)
    photos_discard(token=token)
    folder = _folder(token)
    for i, photo in enumerate(prepared):
        default_storage.save(f"{folder}/{i}.{photo.extension}", ContentFile(photo.content))
    _sweep()
    return len(prepared)


def photos_staged(*, token: str) -> list[Any]:
    """The kept photos as open files (the caller closes them); none for an unknown token."""
    if not token_ok(token):
        return []
    return [default_storage.open(name) for name in _files(_folder(token))]


def photos_discard(*, token: str) -> None:
    if token_ok(token):
        for name in _files(_folder(token)):
            default_storage.delete(name)


def _sweep() -> None:
    """Forget the photos of forms abandoned more than a day ago."""
    if not default_storage.exists(ROOT):
        return
    cutoff = timezone.now() - MAX_AGE
    for token in default_storage.listdir(ROOT)[0]:
        names = _files(f"{ROOT}/{token}") if token_ok(token) else []
        if names and all(default_storage.get_modified_time(n) < cutoff for n in names):
            photos_discard(token=token)
