"""Photos of reports: check an upload is a real image of a sane size, then re-encode it with
Pillow. Re-encoding keeps only pixels: EXIF (GPS position, camera, time), XMP, comments and any
payload hidden after the image data are gone, and the stored file is one we wrote ourselves."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from cocity.core.errors import DomainError

MAX_PHOTOS = 3
MAX_BYTES = 8 * 1024 * 1024  # per uploaded file
MAX_SIDE = 2048  # larger photos are downscaled to fit in MAX_SIDE × MAX_SIDE
MAX_PIXELS = 50_000_000  # refuse "decompression bombs" before decoding them
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"})
JPEG_QUALITY = 85


@dataclass(frozen=True)
class PreparedPhoto:
    """A validated, re-encoded photo, not stored yet."""

    content: bytes
    extension: str  # "jpg" or "png"
    content_type: str
    width: int
    height: int

    def storage_name(self) -> str:
        """A fresh, unguessable name under the media root."""
        day = timezone.now()
        return f"needs/photos/{day:%Y/%m}/{secrets.token_urlsafe(16)}.{self.extension}"


def _invalid(name: str) -> DomainError:
    return DomainError(
        _("“%(name)s” is not a photo we can read (use JPEG, PNG, WebP or GIF).") % {"name": name},
        code="invalid_photo",
        fields={"photos": [_("Not an image.")]},
    )


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def prepare_photo(upload: Any) -> PreparedPhoto:
    """Validate and re-encode one uploaded file (a Django ``UploadedFile`` or any object with
    ``name``, ``size`` and ``read``). Raises ``DomainError`` with a message a person understands."""
    name = str(getattr(upload, "name", "") or _("photo"))
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise DomainError(
            _("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": MAX_BYTES // 2**20},
            code="photo_too_large",
            fields={"photos": [_("File too large.")]},
        )
    stream: IO[bytes] = upload
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DomainError(
            _("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": MAX_BYTES // 2**20},
            code="photo_too_large",
            fields={"photos": [_("File too large.")]},
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise _invalid(name)
            width, height = image.size
            if width < 1 or height < 1 or width * height > MAX_PIXELS:
                raise _invalid(name)
            image.seek(0)  # the first frame of an animation
            image.load()
            # turn the pixels the way the camera meant (the EXIF orientation is dropped below)
            image = ImageOps.exif_transpose(image)
    except DomainError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ):
        raise _invalid(name) from None
    alpha = _has_alpha(image)
    mode = "RGBA" if alpha else "RGB"
    image = image.convert(mode)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # a new image holding only the pixels: no EXIF, XMP, ICC, comments or trailing bytes
    clean = Image.frombytes(mode, image.size, image.tobytes())
    out = io.BytesIO()
    if alpha:
        clean.save(out, format="PNG", optimize=True)
        extension, content_type = "png", "image/png"
    else:
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        extension, content_type = "jpg", "image/jpeg"
    return PreparedPhoto(
        content=out.getvalue(),
        extension=extension,
        content_type=content_type,
        width=clean.width,
        height=clean.height,
    )


def prepare_photos(uploads: list[Any]) -> list[PreparedPhoto]:
    """All photos of one submission, or an error: checked before anything is written."""
    uploads = [u for u in uploads if u is not None]
    if len(uploads) > MAX_PHOTOS:
        raise DomainError(
            _("At most %(count)s photos per report.") % {"count": MAX_PHOTOS},
            code="too_many_photos",
            fields={"photos": [_("Too many photos.")]},
        )
    return [prepare_photo(upload) for upload in uploads]
