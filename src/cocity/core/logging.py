"""Structured logs: one JSON object per line, ready for any log collector."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


#: gunicorn's access-log atoms, under the names cocity's own request log uses
_ACCESS_ATOMS = {"m": "method", "U": "path", "q": "query", "h": "remote", "a": "user_agent"}


def _access_fields(atoms: Mapping[str, Any]) -> dict[str, Any]:
    fields = {name: atoms[atom] for atom, name in _ACCESS_ATOMS.items() if atoms.get(atom)}
    try:
        fields["status"] = int(atoms["s"])
        fields["ms"] = round(int(atoms["D"]) / 1000, 1)
        fields["bytes"] = int(atoms["B"] or 0)
    except (KeyError, TypeError, ValueError):
        pass
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            payload.update(_access_fields(record.args))
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)
