"""NGSI-LD entities ↔ cocity sensors (and needs reports, read-only).

Terms are compared by their short names as the core context and Smart Data Models define them
(``pm25``, ``location``); a type given as a full URI is shortened to its last segment. Remote
``@context`` documents are not fetched: cocity does no JSON-LD expansion (docs/sensing.md)."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cocity.compute.sensing.quantities import QUANTITIES, TYPE_QUANTITIES
from cocity.sensing.models import Sensor, SensorType
from cocity.sensing.services import Measure

CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
OPEN311_TYPE = "Open311ServiceRequest"
SENSOR_TYPES = frozenset(SensorType.values)  # (``.values`` is computed on each use)
ENTITY_TYPES = (*SensorType.values, OPEN311_TYPE)
TIME_ATTRS = ("dateObserved", "dateObservedFrom", "dateObservedTo")
RESERVED = ("id", "type", "@context", "createdAt", "modifiedAt", "scope")


class EntityError(ValueError):
    """The entity is not one cocity can store; ``kind`` is the NGSI-LD error type."""

    def __init__(self, message: str, kind: str = "BadRequestData", status: int = 400) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


def short_type(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise EntityError("An entity needs a type.")
    for sep in ("/", "#"):
        value = value.rsplit(sep, 1)[-1]
    return value


def split_id(entity_id: Any) -> tuple[str, str]:
    """``urn:ngsi-ld:<Type>:<device>`` → (type, device id)."""
    if not isinstance(entity_id, str) or not entity_id.startswith("urn:ngsi-ld:"):
        raise EntityError("An entity id is a URI of the form urn:ngsi-ld:<type>:<id>.")
    parts = entity_id.split(":", 3)
    if len(parts) != 4 or not parts[2] or not parts[3]:
        raise EntityError("An entity id is a URI of the form urn:ngsi-ld:<type>:<id>.")
    return parts[2], parts[3]


def parse_time(value: Any) -> datetime:
    if isinstance(value, Mapping):
        value = value.get("@value")
    when = _parse_datetime(value) if isinstance(value, str) else None
    if when is None or timezone.is_naive(when):
        raise EntityError(f"{value!r} is not a date-time with a time zone.")
    return when


@functools.lru_cache(maxsize=1024)
def _parse_datetime(text: str) -> datetime | None:
    """(A batch's entities mostly share their times: each is parsed once.)"""
    try:
        return parse_datetime(text)
    except ValueError:
        return None


ATTRIBUTE_TYPES = frozenset({"Property", "GeoProperty", "Relationship", "LanguageProperty"})


def _normalized(value: Any) -> dict[str, Any]:
    """An attribute in normalized form (a concise value becomes a Property)."""
    # decoded JSON: a dict is the only mapping (``isinstance(x, dict)`` is much cheaper)
    if isinstance(value, dict):
        if value.get("type") in ATTRIBUTE_TYPES:
            return dict(value)
        if "value" in value:
            return {"type": "Property", **value}
        if "object" in value:
            return {"type": "Relationship", **value}
    return {"type": "Property", "value": value}


@dataclass
class EntityInput:
    device_id: str
    entity_type: str
    lat: float | None = None
    lon: float | None = None
    name: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    measures: list[Measure] = field(default_factory=list)


def _point(attr: Mapping[str, Any]) -> tuple[float, float]:
    geometry = attr.get("value")
    coords = geometry.get("coordinates") if isinstance(geometry, Mapping) else None
    if (
        not isinstance(geometry, Mapping)
        or geometry.get("type") != "Point"
        or not isinstance(coords, list)
        or len(coords) != 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)
    ):
        raise EntityError("A sensor's location is a GeoJSON Point [longitude, latitude].")
    lon, lat = float(coords[0]), float(coords[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise EntityError("The location's coordinates are out of range.")
    return lat, lon


def parse_attrs(
    doc: Mapping[str, Any], entity_type: str, *, now: datetime, out: EntityInput
) -> None:
    """Read the attributes of ``doc`` into ``out``: location, name, quantities as readings
    (observed at their ``observedAt``, else the entity's ``dateObserved``/``dateObservedTo``,
    else ``now``), everything else kept as sent."""
    default_time = now
    for name in ("dateObservedTo", "dateObserved"):
        if name in doc:
            value = _normalized(doc[name]).get("value")
            if isinstance(value, str) and "/" in value:
                # Smart Data Models allow an ISO 8601 interval ("start/end"): its end
                value = value.rsplit("/", 1)[1]
            default_time = parse_time(value)
            break
    allowed = TYPE_QUANTITIES.get(entity_type, ())
    for name, raw in doc.items():
        if name in RESERVED or name in TIME_ATTRS:
            continue
        attr = _normalized(raw)
        if name == "location":
            out.lat, out.lon = _point(attr)
        elif name == "name":
            if not isinstance(attr.get("value"), str):
                raise EntityError("name is text.")
            out.name = attr["value"][:120]
        elif name in allowed:
            value = attr.get("value")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise EntityError(f"{name} is a number.")
            if not math.isfinite(value):
                raise EntityError(f"{name} is a finite number.")
            when = parse_time(attr["observedAt"]) if "observedAt" in attr else default_time
            unit = attr.get("unitCode") or QUANTITIES[name].unit_code
            if not isinstance(unit, str):
                raise EntityError(f"{name}'s unitCode is text.")
            out.measures.append(Measure(name, when, float(value), unit))
        elif name in QUANTITIES:
            raise EntityError(f"{name} is not an attribute of {entity_type}.")
        else:
            out.attrs[name] = attr


def parse_entity(doc: Any, *, now: datetime | None = None) -> EntityInput:
    """A whole entity (create, upsert)."""
    if not isinstance(doc, Mapping):
        raise EntityError("An entity is a JSON object.")
    entity_type = short_type(doc.get("type"))
    id_type, device_id = split_id(doc.get("id"))
    if entity_type == OPEN311_TYPE:
        raise EntityError(
            "Open311ServiceRequest entities mirror the needs reports and are read-only.",
            kind="OperationNotSupported",
            status=422,
        )
    if entity_type not in SENSOR_TYPES:
        raise EntityError(f"cocity stores no entities of type {entity_type!r}.")
    if id_type != entity_type:
        raise EntityError("The entity id names another type than its type.")
    if len(device_id) > 120:
        raise EntityError("The entity id is too long.")
    out = EntityInput(device_id=device_id, entity_type=entity_type)
    parse_attrs(doc, entity_type, now=now or timezone.now(), out=out)
    return out


# --- rendering -----------------------------------------------------------------------------


def _time_value(iso: str) -> dict[str, Any]:
    return {"type": "Property", "value": {"@type": "DateTime", "@value": iso}}


def sensor_entity(sensor: Sensor) -> dict[str, Any]:
    """The sensor as a normalized NGSI-LD entity (without ``@context``)."""
    entity: dict[str, Any] = {"id": sensor.entity_id, "type": sensor.entity_type}
    entity.update(sensor.attrs)
    if sensor.name:
        entity["name"] = {"type": "Property", "value": sensor.name}
    if sensor.lat is not None and sensor.lon is not None:
        entity["location"] = {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [sensor.lon, sensor.lat]},
        }
    if sensor.area_id and sensor.area is not None:
        entity["areaServed"] = {"type": "Property", "value": sensor.area.name}
    if sensor.quality_score is not None:
        entity["reliability"] = {"type": "Property", "value": sensor.quality_score}
    newest = ""
    for name in sorted(sensor.quantities):
        latest = sensor.quantities[name]
        entity[name] = {
            "type": "Property",
            "value": latest["value"],
            "observedAt": latest["observedAt"],
            "unitCode": latest["unitCode"],
        }
        newest = max(newest, latest["observedAt"])
    if newest:
        entity["dateObserved"] = _time_value(newest)
        if sensor.entity_type == SensorType.NOISE:
            # NoiseLevelObserved requires the observation period's end
            entity["dateObservedTo"] = _time_value(newest)
    return entity


def report_entity(row: Mapping[str, Any]) -> dict[str, Any]:
    """A needs report (a row of ``needs.selectors.open311_requests``), read-only."""
    from cocity.needs.models import open311_status

    def prop(value: Any) -> dict[str, Any]:
        return {"type": "Property", "value": value}

    entity: dict[str, Any] = {
        "id": f"urn:ngsi-ld:{OPEN311_TYPE}:{row['id']}",
        "type": OPEN311_TYPE,
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        },
        "service_code": prop(row["service_code"]),
        "status": prop(open311_status(row["status"])),
        "description": prop(row["description"]),
        "requested_datetime": _time_value(row["requested"]),
        "updated_datetime": _time_value(row["updated"]),
    }
    if row["address"]:
        entity["address"] = prop(row["address"])
    return entity


def key_values(entity: Mapping[str, Any]) -> dict[str, Any]:
    """The simplified representation: each attribute as its value (or object)."""
    out: dict[str, Any] = {}
    for name, attr in entity.items():
        if name in ("id", "type", "@context") or not isinstance(attr, Mapping):
            out[name] = attr
        elif attr.get("type") == "Relationship":
            out[name] = attr.get("object")
        else:
            value = attr.get("value")
            if isinstance(value, Mapping) and "@value" in value:
                value = value["@value"]
            out[name] = value
    return out


def project(entity: dict[str, Any], attrs: list[str] | None) -> dict[str, Any]:
    if attrs is None:
        return entity
    return {k: v for k, v in entity.items() if k in ("id", "type") or k in attrs}


def lookup(entity: Mapping[str, Any], path: str) -> Any:
    """An attribute's value for ``q``: ``pm25`` → its value; ``pm25.observedAt`` → that
    sub-attribute, or that key of a compound value. ``None`` when absent (see ``ngsi``)."""
    from cocity.compute.sensing import q

    head, *rest = path.split(".")
    if head == "id":
        return entity["id"]
    attr = entity.get(head)
    if not isinstance(attr, Mapping):
        return q.missing()
    value: Any = attr
    for i, part in enumerate(rest):
        if i == 0 and part in attr:
            value = attr[part]
            continue
        inner = value.get("value") if i == 0 else value
        if not isinstance(inner, Mapping) or part not in inner:
            return q.missing()
        value = inner[part]
    if not rest:
        value = attr.get("object") if attr.get("type") == "Relationship" else attr.get("value")
    if isinstance(value, Mapping) and "@value" in value:
        value = value["@value"]
    if isinstance(value, Mapping) and value.get("type") == "Property":
        value = value.get("value")
    return value
