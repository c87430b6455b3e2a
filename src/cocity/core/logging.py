"""Structured logs: one JSON object per line, ready for any log collector."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}

# Secrets that can travel in a URL: query parameters by name, and the capability URLs whose path
# is the secret (report tracking, password reset and e-mail confirmation keys). Logs keep the
# shape of the request, never the secret.
_SECRET_PARAMS = re.compile(
    r"(?i)\b((?:api_?)?key|token|secret|password|signature|sig|code|auth|access_token)=[^&\s\"]*"
)
_SECRET_PATHS = re.compile(r"(/(?:track|submitted|tokens|confirm-email|reset/key)/)[^/\s\"?]+")


def redact(text: str) -> str:
    """``text`` with the secrets a URL may carry replaced by ``[redacted]``."""
    text = _SECRET_PARAMS.sub(lambda m: f"{m.group(1)}=[redacted]", text)
    return _SECRET_PATHS.sub(lambda m: f"{m.group(1)}[redacted]", text)


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
            "message": redact(record.getMessage()),
        }
        payload.update(
            (key, redact(value) if isinstance(value, str) else value)
            for key, value in vars(record).items()
            if key not in _STANDARD and not key.startswith("_")
        )
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            fields = _access_fields(record.args)
            payload.update({k: redact(v) if isinstance(v, str) else v for k, v in fields.items()})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)
