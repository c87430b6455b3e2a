"""IoT-Agent style device payloads: Ultralight 2.0 (``k|v|k|v``) and flat JSON objects.

Both give a measurement time (``t``, ISO 8601, optional) and numeric values by attribute name;
what is not a number is returned apart, so the caller can refuse or keep it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class PayloadError(ValueError):
    """The payload cannot be read."""


@dataclass
class Measures:
    values: dict[str, float] = field(default_factory=dict)
    observed_at: datetime | None = None  # None: the time it arrives
    ignored: dict[str, Any] = field(default_factory=dict)


def _time(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PayloadError(f"t is not an ISO 8601 time: {text!r}") from exc
    if when.tzinfo is None:
        raise PayloadError("t needs a time zone (Z or +hh:mm)")
    return when


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _collect(pairs: list[tuple[str, Any]]) -> Measures:
    out = Measures()
    for key, raw in pairs:
        if not key:
            raise PayloadError("an attribute has no name")
        if key in ("t", "TimeInstant"):
            out.observed_at = _time(str(raw))
            continue
        number = _number(raw)
        if number is None:
            out.ignored[key] = raw
        else:
            out.values[key] = number
    return out


def parse_ultralight(payload: str) -> Measures:
    """``t|2026-01-01T10:00:00Z|pm25|12.5|pm10|20`` → its values and time. Several measures
    separated by ``#`` are not supported yet (refused)."""
    payload = payload.strip()
    if not payload:
        raise PayloadError("empty payload")
    if "#" in payload:
        raise PayloadError("several measure groups ('#') are not supported")
    parts = payload.split("|")
    if len(parts) % 2:
        raise PayloadError("Ultralight needs key|value pairs")
    return _collect(list(zip(parts[0::2], parts[1::2], strict=True)))


def parse_json(payload: str | bytes) -> Measures:
    """``{"t": "...", "pm25": 12.5}`` → its values and time."""
    try:
        document = json.loads(payload)
    except ValueError as exc:
        raise PayloadError("not JSON") from exc
    if not isinstance(document, dict):
        raise PayloadError("a JSON payload is an object")
    return _collect([(str(k), v) for k, v in document.items()])
