"""Drive the PyPI Open311 client ``georeport`` (the oracle) against a cocity server and print
what it read as JSON.

Usage (with the oracle's own python, see tests/oracles/georeport.txt):

    .venv-oracles/georeport/bin/python tests/oracles/georeport_run.py BASE_URL FORMAT REQUEST_ID

FORMAT is ``json`` or ``xml``. The client parses XML with xmltodict, which gives a single
element as a mapping and several as a list; the output normalises both to lists.

This script runs in the oracle's virtualenv only; it must not import cocity.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from georeport import GeoReport


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def main() -> int:
    base, fmt, request_id = sys.argv[1:4]
    client = GeoReport(base, output_format=fmt)
    services = as_list(client.get_service_list())
    definitions = {}
    for service in services:
        definition = client.get_service_definition(service["service_code"])
        attributes = definition["attributes"]
        if fmt == "xml":
            attributes = as_list((attributes or {}).get("attribute"))
        definitions[definition["service_code"]] = [(a["code"], a["datatype"]) for a in attributes]
    requests = as_list(client.get_service_requests())
    open_only = as_list(client.get_service_requests(status="open"))
    one = client.get_service_request(request_id)
    if isinstance(one, list):
        one = one[0]
    print(
        json.dumps(
            {
                "services": [s["service_code"] for s in services],
                "definitions": definitions,
                "requests": [r["service_request_id"] for r in requests],
                "open": [r["service_request_id"] for r in open_only],
                "one": {"id": one["service_request_id"], "status": one["status"]},
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
