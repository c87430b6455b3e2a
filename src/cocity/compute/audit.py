"""The hash chain of the audit log (no Django): each entry's hash covers its content and the
hash of the entry before it, so changing or removing any entry breaks every later link."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical_text(payload: Mapping[str, Any]) -> str:
    """The payload as compact JSON with sorted keys; its UTF-8 bytes are what is hashed."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def canonical(payload: Mapping[str, Any]) -> bytes:
    return canonical_text(payload).encode()


def entry_hash(prev_hash: str, payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(payload)).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first entry whose link does not hold, and why."""

    position: int
    entry_id: Any
    reason: str


def verify_chain(entries: Iterable[tuple[Any, str, str, Mapping[str, Any]]]) -> Break | None:
    """Check (id, prev_hash, hash, payload) entries in order; return the first break or None."""
    expected_prev = GENESIS
    for position, (entry_id, prev_hash, stored_hash, payload) in enumerate(entries):
        if prev_hash != expected_prev:
            return Break(position, entry_id, "previous-hash link does not match the entry before")
        if entry_hash(prev_hash, payload) != stored_hash:
            return Break(position, entry_id, "content does not match its hash (entry was altered)")
        expected_prev = stored_hash
    return None
