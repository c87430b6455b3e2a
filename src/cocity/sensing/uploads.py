"""Readings uploaded by data stewards as CSV or JSON (docs/sensing.md, "Batch upload").

One reading a line (CSV, with a header) or an object (JSON array):
``device`` (a device id or ``urn:ngsi-ld:<type>:<device>``), ``quantity``, ``observed_at``
(ISO 8601 with a time zone), ``value``. Every line is checked and every problem reported with its
line number; nothing is stored unless every line is right."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from cocity.compute.sensing.quantities import QUANTITIES

COLUMNS = ("device", "quantity", "observed_at", "value")
MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Row:
    line: int
    device_id: str
    quantity: str
    observed_at: datetime
    value: float


class UploadError(ValueError):
    """The file as a whole cannot be read (not per line)."""


def _device(text: str) -> str:
    text = text.strip()
    if text.startswith("urn:ngsi-ld:"):
        parts = text.split(":", 3)
        return parts[3] if len(parts) == 4 else ""
    return text


def _row(line: int, raw: dict[str, Any], errors: dict[str, list[str]]) -> Row | None:
    problems = []
    device = _device(str(raw.get("device") or ""))
    if not device:
        problems.append(_("the device is missing."))
    quantity = str(raw.get("quantity") or "").strip()
    if quantity not in QUANTITIES:
        problems.append(_("unknown quantity “%(name)s”.") % {"name": quantity})
    when: datetime | None = None
    text = str(raw.get("observed_at") or "").strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if when.tzinfo is None:
            problems.append(_("the time “%(time)s” has no time zone.") % {"time": text})
            when = None
    except ValueError:
        problems.append(_("“%(time)s” is not an ISO 8601 time.") % {"time": text})
    value: float | None = None
    raw_value = raw.get("value")
    try:
        if isinstance(raw_value, bool):
            raise ValueError
        value = float(str(raw_value).strip()) if raw_value is not None else None
        if value is None or not math.isfinite(value):
            raise ValueError
    except ValueError:
        problems.append(_("the value “%(value)s” is not a number.") % {"value": raw_value})
        value = None
    if problems or when is None or value is None:
        errors[_("line %(number)s") % {"number": line}] = problems
        return None
    return Row(line, device, quantity, when, value)


def parse(data: bytes, *, name: str = "") -> tuple[list[Row], dict[str, list[str]]]:
    """The rows of a CSV or JSON upload and the errors by line (empty when all are right).
    JSON when the name ends in ``.json`` or the text starts with ``[``; CSV otherwise."""
    if len(data) > MAX_BYTES:
        raise UploadError(_("The file is larger than 20 MB: split it."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError(_("The file is not UTF-8 text.")) from exc
    records: list[tuple[int, Any]]
    if name.lower().endswith(".json") or text.lstrip().startswith("["):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise UploadError(_("The file is not valid JSON.")) from exc
        if not isinstance(doc, list):
            raise UploadError(_("A JSON upload is an array of readings."))
        records = [(i + 1, item) for i, item in enumerate(doc)]
    else:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise UploadError(
                _("The CSV header lacks the columns: %(names)s.") % {"names": ", ".join(missing)}
            )
        reader.fieldnames = header
        records = [(reader.line_num, dict(r)) for r in reader]
    if not records:
        raise UploadError(_("The file holds no readings."))
    if len(records) > MAX_ROWS:
        raise UploadError(
            _("At most %(count)s readings in one upload: split the file.") % {"count": MAX_ROWS}
        )
    rows: list[Row] = []
    errors: dict[str, list[str]] = {}
    for line, record in records:
        if not isinstance(record, dict):
            errors[_("line %(number)s") % {"number": line}] = [_("a reading is an object.")]
            continue
        row = _row(line, record, errors)
        if row is not None:
            rows.append(row)
    return rows, errors
