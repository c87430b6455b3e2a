"""The NGSI-LD API (ETSI GS CIM 009) at ``/ngsi-ld/v1/``: entities, batch operations and the
temporal retrieval of a sensor's readings.

Thin views: check the media types, parse, call services and selectors, render. Every error is a
ProblemDetails object with the standard type URI (``https://uri.etsi.org/ngsi-ld/errors/...``).
Reads are public; writes need a sensor API key in ``X-Api-Key``."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

import shapely
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from shapely.geometry import shape

from cocity.compute.geo import EARTH_RADIUS_KM
from cocity.compute.sensing import q as qlang
from cocity.compute.sensing.quality import flag_names
from cocity.core.errors import DomainError
from cocity.needs import selectors as needs_selectors
from cocity.sensing import queries, selectors, services
from cocity.sensing import subscriptions as subs
from cocity.sensing.entities import (
    CORE_CONTEXT,
    OPEN311_TYPE,
    EntityError,
    EntityInput,
    key_values,
    lookup,
    parse_attrs,
    parse_entity,
    parse_time,
    project,
    report_entity,
    sensor_entity,
    short_type,
    split_id,
)
from cocity.sensing.models import Sensor, SensorKey, SensorType, Subscription

ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"
#: the error types ETSI GS CIM 009 names; the others (401, 403, 406, 415) are cocity's own
STANDARD_KINDS = frozenset(
    {
        "InvalidRequest",
        "BadRequestData",
        "AlreadyExists",
        "OperationNotSupported",
        "ResourceNotFound",
        "InternalError",
        "TooComplexQuery",
        "TooManyResults",
        "LdContextNotAvailable",
    }
)
OWN_ERRORS = "https://cocity.example/problems/ngsi-ld/"
LINK = f'<{CORE_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
JSON = "application/json"
JSON_LD = "application/ld+json"
MAX_LIMIT = 1000
MAX_BATCH = 1000
TITLES = {
    "BadRequestData": "Bad request data",
    "InvalidRequest": "Invalid request",
    "ResourceNotFound": "Resource not found",
    "AlreadyExists": "Already exists",
    "OperationNotSupported": "Operation not supported",
    "NotAcceptable": "Not acceptable",
    "UnsupportedMediaType": "Unsupported media type",
    "Unauthorized": "Unauthorized",
    "Forbidden": "Forbidden",
    "InternalError": "Internal error",
}
# DomainError statuses, as NGSI-LD error types
KINDS = {
    400: "BadRequestData",
    401: "Unauthorized",
    403: "Forbidden",
    404: "ResourceNotFound",
    405: "InvalidRequest",
    406: "NotAcceptable",
    409: "AlreadyExists",
    415: "UnsupportedMediaType",
    422: "OperationNotSupported",
    429: "InvalidRequest",
    500: "InternalError",
}


class NgsiError(Exception):
    def __init__(self, kind: str, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.kind, self.detail, self.status = kind, detail, status

    def problem(self) -> dict[str, Any]:
        return {
            "type": (ERRORS if self.kind in STANDARD_KINDS else OWN_ERRORS) + self.kind,
            "title": TITLES.get(self.kind, self.kind),
            "status": self.status,
            "detail": self.detail,
        }


def _from_domain(exc: DomainError) -> NgsiError:
    kind = KINDS.get(exc.status, "BadRequestData")
    return NgsiError(kind, exc.message, exc.status)


def _from_entity(exc: EntityError) -> NgsiError:
    return NgsiError(exc.kind, str(exc), exc.status)


def _problem_response(error: NgsiError) -> HttpResponse:
    return HttpResponse(json.dumps(error.problem()), status=error.status, content_type=JSON)


def error_for_request(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A ``DomainError`` raised before any view (e.g. unsafe text) in NGSI-LD's shape."""
    return _problem_response(_from_domain(exc))


View = Callable[..., HttpResponse]


def ngsi_view(methods: tuple[str, ...]) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = _problem_response(
                    NgsiError("InvalidRequest", f"{request.method} is not allowed here.", 405)
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except NgsiError as exc:
                return _problem_response(exc)
            except EntityError as exc:
                return _problem_response(_from_entity(exc))
            except DomainError as exc:
                return _problem_response(_from_domain(exc))

        return wrapped

    return decorate


# --- media types, keys, bodies -------------------------------------------------------------


def _accept(request: HttpRequest) -> str:
    """The response's media type: JSON (with a Link header) unless JSON-LD is asked for."""
    header = request.headers.get("Accept", "") or "*/*"
    offered = []
    for part in header.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        weight = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    weight = float(param[2:])
                except ValueError:
                    weight = 0.0
        if weight > 0:
            offered.append((weight, media.lower()))
    offered.sort(key=lambda pair: -pair[0])
    for _, media in offered:
        if media == JSON_LD:
            return JSON_LD
        if media in (JSON, "application/*", "*/*"):
            return JSON
    raise NgsiError("NotAcceptable", "Responses are application/json or application/ld+json.", 406)


def _respond(
    request: HttpRequest, body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    media = _accept(request)
    if media == JSON_LD:
        if isinstance(body, dict):
            body = {**body, "@context": CORE_CONTEXT}
        elif isinstance(body, list):
            body = [{**e, "@context": CORE_CONTEXT} if isinstance(e, dict) else e for e in body]
    response = HttpResponse(json.dumps(body), status=status, content_type=media)
    if media == JSON:
        response["Link"] = LINK
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _body(request: HttpRequest, *, entities: bool) -> Any:
    """The decoded body. ``application/json`` must carry no ``@context`` (the Link header gives
    it); ``application/ld+json`` must carry one in each entity; other types are refused."""
    media = (request.content_type or "").lower()
    if media not in (JSON, JSON_LD):
        raise NgsiError(
            "UnsupportedMediaType",
            "Send application/json or application/ld+json.",
            415,
        )
    try:
        body = json.loads(request.body or b"")
    except ValueError as exc:
        raise NgsiError("InvalidRequest", "The body is not valid JSON.") from exc
    if entities:
        items = body if isinstance(body, list) else [body]
        for item in items:
            if not isinstance(item, dict):
                continue
            if media == JSON and "@context" in item:
                raise NgsiError(
                    "BadRequestData",
                    "An application/json body carries no @context: send it in a Link header, "
                    "or send application/ld+json.",
                )
            if media == JSON_LD and "@context" not in item:
                raise NgsiError("BadRequestData", "An application/ld+json body needs @context.")
    return body


def _key(request: HttpRequest) -> SensorKey:
    key = selectors.sensor_key_valid(request.headers.get("X-Api-Key", ""))
    if key is None:
        raise NgsiError("Unauthorized", "Writing needs a valid sensor key in X-Api-Key.", 401)
    return key


def _sensor(entity_id: str) -> Sensor:
    try:
        entity_type, device_id = split_id(entity_id)
    except EntityError as exc:
        raise NgsiError("BadRequestData", str(exc)) from exc
    sensor = selectors.sensor_get(device_id=device_id)
    if sensor is None or sensor.entity_type != entity_type:
        raise NgsiError("ResourceNotFound", f"No entity {entity_id}.", 404)
    return sensor


def _list_param(request: HttpRequest, name: str) -> list[str] | None:
    raw = request.GET.get(name)
    if raw is None:
        return None
    values = [v.strip() for v in re.split(r"[,|]", raw) if v.strip()]
    if not values:
        raise NgsiError("BadRequestData", f"{name} is empty.")
    return values


def _int_param(request: HttpRequest, name: str, default: int | None, low: int) -> int | None:
    raw = request.GET.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise NgsiError("BadRequestData", f"{name} is a whole number.") from exc
    if value < low:
        raise NgsiError("BadRequestData", f"{name} is at least {low}.")
    return value


def _options(request: HttpRequest) -> set[str]:
    return {o.strip() for o in request.GET.get("options", "").split(",") if o.strip()}


def _render(request: HttpRequest, entity: dict[str, Any], attrs: list[str] | None) -> Any:
    entity = project(entity, attrs)
    return key_values(entity) if {"keyValues", "simplified"} & _options(request) else entity


# --- geo-queries ---------------------------------------------------------------------------


GeoTest = Callable[[dict[str, Any]], bool]


def _geo_filter(request: HttpRequest) -> tuple[GeoTest, Q | None] | None:
    """The exact test on a rendered entity, and a box the sensors it keeps lie in (None: no
    box, as for ``disjoint`` or ``minDistance``)."""
    georel = request.GET.get("georel")
    if georel is None:
        return None
    geometry_type = request.GET.get("geometry")
    coordinates = request.GET.get("coordinates")
    if not geometry_type or not coordinates:
        raise NgsiError("BadRequestData", "georel needs geometry and coordinates.")
    try:
        geom = shape({"type": geometry_type, "coordinates": json.loads(coordinates)})
    except (ValueError, TypeError, IndexError, AttributeError) as exc:
        raise NgsiError(
            "BadRequestData", "geometry and coordinates are not valid GeoJSON."
        ) from exc
    if geom.is_empty or not geom.is_valid:
        raise NgsiError("BadRequestData", "The geometry is not valid.")
    relation, *modifiers = georel.split(";")
    prop = request.GET.get("geoproperty", "location")

    def point(entity: dict[str, Any]) -> shapely.Point | None:
        value = (entity.get(prop) or {}).get("value")
        if not isinstance(value, dict) or value.get("type") != "Point":
            return None
        lon, lat = value["coordinates"]
        return shapely.Point(lon, lat)

    if relation == "near":
        if geometry_type != "Point" or len(modifiers) != 1:
            raise NgsiError(
                "BadRequestData", "near takes a Point and maxDistance==m or minDistance==m."
            )
        match = re.fullmatch(r"(maxDistance|minDistance)==(\d+(\.\d+)?)", modifiers[0])
        if not match:
            raise NgsiError("BadRequestData", "near takes maxDistance==m or minDistance==m.")
        limit = float(match.group(2))
        centre = geom

        def near(entity: dict[str, Any]) -> bool:
            p = point(entity)
            if p is None:
                return False
            metres = _metres(centre.y, centre.x, p.y, p.x)
            return metres <= limit if match.group(1) == "maxDistance" else metres >= limit

        box = None
        if match.group(1) == "maxDistance" and prop == "location":
            box = queries.near_filter(centre.y, centre.x, limit)
        return near, box
    tests: dict[str, Callable[[shapely.Point], bool]] = {
        "within": lambda p: bool(geom.covers(p)),
        "intersects": lambda p: bool(geom.intersects(p)),
        "disjoint": lambda p: bool(geom.disjoint(p)),
        "equals": lambda p: bool(geom.equals(p)),
        "contains": lambda p: bool(p.covers(geom)),
        "overlaps": lambda p: False,  # a point overlaps nothing
    }
    if relation not in tests or modifiers:
        raise NgsiError("BadRequestData", f"Unknown georel {georel!r}.")
    test = tests[relation]
    box = None
    if relation in ("within", "intersects", "equals", "contains") and prop == "location":
        west, south, east, north = geom.bounds
        box = queries.box_filter(south, west, north, east)
    return (lambda entity: (p := point(entity)) is not None and test(p)), box


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    import math

    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * 1000 * math.asin(math.sqrt(min(1.0, a)))


# --- entities ------------------------------------------------------------------------------


def _query(request: HttpRequest) -> HttpResponse:
    types = _list_param(request, "type")
    ids = _list_param(request, "id")
    attrs = _list_param(request, "attrs")
    pattern = request.GET.get("idPattern")
    q_text = request.GET.get("q")
    if not any(p is not None for p in (types, ids, attrs, q_text, pattern)) and (
        "georel" not in request.GET
    ):
        raise NgsiError(
            "BadRequestData", "Query with at least one of type, id, idPattern, attrs, q, georel."
        )
    try:
        query = qlang.parse(q_text) if q_text is not None else None
    except qlang.QueryError as exc:
        raise NgsiError("BadRequestData", f"q: {exc}") from exc
    try:
        id_regex = re.compile(pattern) if pattern is not None else None
    except re.error as exc:
        raise NgsiError("BadRequestData", "idPattern is not a regular expression.") from exc
    geo = _geo_filter(request)
    near = geo[0] if geo is not None else None
    limit = _int_param(request, "limit", 20, 0) or 0
    offset = _int_param(request, "offset", 0, 0) or 0
    count = request.GET.get("count") == "true"
    if limit > MAX_LIMIT:
        raise NgsiError("BadRequestData", f"limit is at most {MAX_LIMIT}.")
    if limit == 0 and not count:
        raise NgsiError("BadRequestData", "limit=0 only with count=true.")
    wanted = {short_type(t) for t in types} if types else None
    candidates: list[dict[str, Any]] = []
    sensor_types = [t for t in SensorType.values if wanted is None or t in wanted]
    with_reports = wanted is not None and OPEN311_TYPE in wanted
    if sensor_types:
        # the database keeps only the sensors that can match (``queries``)
        qs = selectors.sensor_list().filter(entity_type__in=sensor_types)
        if ids is not None:
            devices = []
            for entity_id in ids:
                try:
                    devices.append(split_id(entity_id)[1])
                except EntityError:
                    continue
            qs = qs.filter(device_id__in=devices)
        narrowing: list[Q | None] = []
        if query is not None:
            narrowing.append(queries.q_filter(query))
        if attrs is not None:
            narrowing.append(queries.attrs_filter(attrs))
        if geo is not None:
            narrowing.append(geo[1])
        for where in narrowing:
            if where is not None:
                qs = qs.filter(where)
        decided = query is None and attrs is None and id_regex is None and near is None
        if decided and not with_reports:
            # nothing left to decide on the entities: the database counts and pages
            headers = {"NGSILD-Results-Count": str(qs.count())} if count else {}
            page = [sensor_entity(s) for s in qs[offset : offset + limit]] if limit else []
            if ids is not None:
                page = [e for e in page if e["id"] in ids]
            return _respond(request, [_render(request, e, attrs) for e in page], headers=headers)
        candidates.extend(sensor_entity(s) for s in qs)
    if with_reports:
        report_ids = None
        if ids is not None:
            report_ids = [
                int(i.rsplit(":", 1)[-1])
                for i in ids
                if i.startswith(f"urn:ngsi-ld:{OPEN311_TYPE}:") and i.rsplit(":", 1)[-1].isdigit()
            ]
        rows = needs_selectors.open311_requests(ids=report_ids, limit=MAX_LIMIT)
        candidates.extend(report_entity(row) for row in reversed(rows))
    if ids is not None:
        candidates = [e for e in candidates if e["id"] in ids]

    def keep(e: dict[str, Any]) -> bool:
        return (
            (id_regex is None or id_regex.fullmatch(e["id"]) is not None)
            and (attrs is None or any(a in e for a in attrs))
            and (query is None or qlang.evaluate(query, functools.partial(lookup, e)))
            and (near is None or near(e))
        )

    matched = [e for e in candidates if keep(e)]
    page = matched[offset : offset + limit]
    headers = {"NGSILD-Results-Count": str(len(matched))} if count else {}
    return _respond(request, [_render(request, e, attrs) for e in page], headers=headers)


def _changed(data: EntityInput) -> dict[str, set[str]]:
    """The entity and the attributes a write changes, for the subscriptions."""
    changed = {*data.attrs, *(m.quantity for m in data.measures)}
    if data.lat is not None:
        changed.add("location")
    if data.name is not None:
        changed.add("name")
    return {f"urn:ngsi-ld:{data.entity_type}:{data.device_id}": changed}


def _store(
    key: SensorKey,
    data: EntityInput,
    *,
    create_only: bool = False,
    changes: dict[str, set[str]] | None = None,
) -> bool:
    """Create the sensor or update it; True when it was created. Subscriptions are told (once
    the transaction commits), or the change is added to ``changes`` for the caller to tell them
    once for a whole batch."""
    if changes is None:
        services.entities_changed(_changed(data))
    else:
        for entity_id, attrs in _changed(data).items():
            changes.setdefault(entity_id, set()).update(attrs)
    sensor = selectors.sensor_get(device_id=data.device_id)
    if sensor is None:
        services.sensor_register(
            device_id=data.device_id,
            entity_type=data.entity_type,
            owner=key,
            lat=data.lat,
            lon=data.lon,
            name=data.name or "",
            attrs=data.attrs,
            measures=data.measures,
        )
        return True
    if create_only or sensor.entity_type != data.entity_type:
        raise NgsiError("AlreadyExists", f"The entity {sensor.entity_id} already exists.", 409)
    services.sensor_writable(sensor=sensor, key=key)
    services.sensor_update(
        sensor=sensor,
        lat=data.lat,
        lon=data.lon,
        name=data.name,
        attrs=data.attrs,
        measures=data.measures,
    )
    return False


@ngsi_view(("GET", "POST"))
def entities(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _query(request)
    key = _key(request)
    body = _body(request, entities=True)
    data = parse_entity(body)
    with transaction.atomic():
        _store(key, data, create_only=True)
    response = HttpResponse(status=201)
    response["Location"] = f"/ngsi-ld/v1/entities/urn:ngsi-ld:{data.entity_type}:{data.device_id}"
    return response


@ngsi_view(("GET", "DELETE"))
def entity(request: HttpRequest, entity_id: str) -> HttpResponse:
    if entity_id.startswith(f"urn:ngsi-ld:{OPEN311_TYPE}:"):
        if request.method != "GET":
            raise NgsiError("OperationNotSupported", "Open311ServiceRequest is read-only.", 422)
        number = entity_id.rsplit(":", 1)[-1]
        rows = needs_selectors.open311_requests(ids=[int(number)]) if number.isdigit() else []
        if not rows:
            raise NgsiError("ResourceNotFound", f"No entity {entity_id}.", 404)
        entity = report_entity(rows[0])
        return _respond(request, _render(request, entity, _list_param(request, "attrs")))
    sensor = _sensor(entity_id)
    if request.method == "DELETE":
        services.sensor_writable(sensor=sensor, key=_key(request))
        services.sensor_delete(sensor=sensor)
        return HttpResponse(status=204)
    return _respond(request, _render(request, sensor_entity(sensor), _list_param(request, "attrs")))


@ngsi_view(("PATCH", "POST"))
def entity_attrs(request: HttpRequest, entity_id: str) -> HttpResponse:
    """PATCH updates attributes (new readings for quantities); POST appends attributes."""
    if entity_id.startswith(f"urn:ngsi-ld:{OPEN311_TYPE}:"):
        raise NgsiError("OperationNotSupported", "Open311ServiceRequest is read-only.", 422)
    key = _key(request)
    sensor = _sensor(entity_id)
    body = _body(request, entities=True)
    if not isinstance(body, dict) or not any(k not in ("@context",) for k in body):
        raise NgsiError("BadRequestData", "Send the attributes as a JSON object.")
    data = EntityInput(device_id=sensor.device_id, entity_type=sensor.entity_type)
    parse_attrs(body, sensor.entity_type, now=timezone.now(), out=data)
    not_updated = []
    if request.method == "PATCH":
        present = set(sensor_entity(sensor))
        for name in list(data.attrs):
            if name not in present:
                not_updated.append(name)
                del data.attrs[name]
    with transaction.atomic():
        _store(key, data)
    if not_updated:
        updated = [k for k in body if k not in ("@context", *not_updated)]
        return _respond(
            request,
            {
                "updated": updated,
                "notUpdated": [
                    {"attributeName": n, "reason": "The entity has no such attribute."}
                    for n in not_updated
                ],
            },
            status=207,
        )
    return HttpResponse(status=204)


# --- batch operations -----------------------------------------------------------------------


def _batch_error(entity_id: Any, exc: NgsiError | EntityError | DomainError) -> dict[str, Any]:
    if isinstance(exc, EntityError):
        problem = _from_entity(exc)
    elif isinstance(exc, DomainError):
        problem = _from_domain(exc)
    else:
        problem = exc
    return {"entityId": entity_id if isinstance(entity_id, str) else "", "error": problem.problem()}


@ngsi_view(("POST",))
def batch(request: HttpRequest, operation: str) -> HttpResponse:
    key = _key(request)
    body = _body(request, entities=operation != "delete")
    if not isinstance(body, list) or not body:
        raise NgsiError("BadRequestData", "Send a non-empty JSON array.")
    if len(body) > MAX_BATCH:
        raise NgsiError("BadRequestData", f"At most {MAX_BATCH} entities in one batch.")
    success: list[str] = []
    created: list[str] = []
    errors: list[dict[str, Any]] = []
    changes: dict[str, set[str]] = {}
    if operation == "delete":
        for item in body:
            try:
                with transaction.atomic():
                    sensor = _sensor(str(item))
                    services.sensor_writable(sensor=sensor, key=key)
                    services.sensor_delete(sensor=sensor)
                success.append(str(item))
            except (NgsiError, DomainError) as exc:
                errors.append(_batch_error(item, exc))
    else:
        # every entity parsed and checked first; the valid ones written in one transaction
        now = timezone.now()
        parsed: list[EntityInput] = []
        for item in body:
            try:
                parsed.append(parse_entity(item, now=now))
            except EntityError as exc:
                entity_id = item.get("id") if isinstance(item, dict) else None
                errors.append(_batch_error(entity_id, exc))
        outcomes = services.sensors_write_batch(key=key, items=parsed, mode=operation)
        for data, outcome in zip(parsed, outcomes, strict=True):
            ident = f"urn:ngsi-ld:{data.entity_type}:{data.device_id}"
            if outcome.error is not None:
                errors.append(_batch_error(ident, outcome.error))
                continue
            success.append(ident)
            if outcome.created:
                created.append(ident)
            for entity_id, attrs in _changed(data).items():
                changes.setdefault(entity_id, set()).update(attrs)
    services.entities_changed(changes)  # one task for the batch
    if errors:
        return _respond(request, {"success": success, "errors": errors}, status=207)
    if operation == "create" or (operation == "upsert" and created):
        return _respond(request, created, status=201)
    return HttpResponse(status=204)


# --- temporal -------------------------------------------------------------------------------


def _time_param(request: HttpRequest, name: str) -> datetime:
    raw = request.GET.get(name)
    if raw is None:
        raise NgsiError("BadRequestData", f"timerel needs {name}.")
    try:
        return parse_time(raw)
    except EntityError as exc:
        raise NgsiError("BadRequestData", f"{name}: {exc}") from exc


@ngsi_view(("GET",))
def temporal_entity(request: HttpRequest, entity_id: str) -> HttpResponse:
    sensor = _sensor(entity_id)
    attrs = _list_param(request, "attrs")
    timerel = request.GET.get("timerel")
    start = end = None
    if timerel is not None:
        at = _time_param(request, "timeAt")
        if timerel == "before":
            end = at
        elif timerel == "after":
            start = at
        elif timerel == "between":
            start, end = at, _time_param(request, "endTimeAt")
            if end <= start:
                raise NgsiError("BadRequestData", "endTimeAt comes after timeAt.")
        else:
            raise NgsiError("BadRequestData", "timerel is before, after or between.")
    last_n = _int_param(request, "lastN", None, 1)
    names = [a for a in attrs if a in sensor.quantities] if attrs is not None else None
    series = selectors.reading_series(
        sensor=sensor, quantities=names, start=start, end=end, last_n=last_n
    )
    simplified = bool({"temporalValues", "keyValues", "simplified"} & _options(request))
    body: dict[str, Any] = {"id": sensor.entity_id, "type": sensor.entity_type}
    for name, rows in series.items():
        unit = sensor.quantities.get(name, {}).get("unitCode", "")
        if simplified:
            body[name] = {
                "type": "Property",
                "values": [[value, when] for when, value, _ in rows],
            }
            continue
        instances = []
        for when, value, flags in rows:
            instance: dict[str, Any] = {
                "type": "Property",
                "value": value,
                "observedAt": when,
                "unitCode": unit,
            }
            if flags:
                instance["qualityFlags"] = {"type": "Property", "value": flag_names(flags)}
            instances.append(instance)
        body[name] = instances
    return _respond(request, body)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- subscriptions --------------------------------------------------------------------------


def _subscription(request: HttpRequest, sub_id: str) -> Subscription:
    sub = selectors.subscription_get(sub_id=sub_id)
    if sub is None:
        raise NgsiError("ResourceNotFound", f"No subscription {sub_id}.", 404)
    return sub


@ngsi_view(("GET", "POST"))
def subscriptions_view(request: HttpRequest) -> HttpResponse:
    """Subscriptions belong to the key that made them: listing, like writing, needs it."""
    key = _key(request)
    now = timezone.now()
    if request.method == "GET":
        limit = _int_param(request, "limit", 20, 0) or 0
        offset = _int_param(request, "offset", 0, 0) or 0
        if limit > MAX_LIMIT:
            raise NgsiError("BadRequestData", f"limit is at most {MAX_LIMIT}.")
        rows = list(selectors.subscription_list(key=key))
        headers = (
            {"NGSILD-Results-Count": str(len(rows))} if request.GET.get("count") == "true" else {}
        )
        page = rows[offset : offset + limit]
        return _respond(request, [subs.render(s, now=now) for s in page], headers=headers)
    body = _body(request, entities=True)
    data = subs.parse(body)
    sub = services.subscription_create(key=key, data=data)
    response = HttpResponse(status=201)
    response["Location"] = f"/ngsi-ld/v1/subscriptions/{sub.sub_id}"
    return response


@ngsi_view(("GET", "PATCH", "DELETE"))
def subscription_view(request: HttpRequest, sub_id: str) -> HttpResponse:
    key = _key(request)
    sub = _subscription(request, sub_id)
    if sub.key_id != key.pk:
        raise NgsiError("ResourceNotFound", f"No subscription {sub_id}.", 404)
    if request.method == "GET":
        return _respond(request, subs.render(sub, now=timezone.now()))
    if request.method == "DELETE":
        services.subscription_delete(sub=sub, key=key)
        return HttpResponse(status=204)
    body = _body(request, entities=True)
    data = subs.parse(body, existing=sub.doc, sub_id=sub.sub_id)
    services.subscription_update(sub=sub, key=key, data=data)
    return HttpResponse(status=204)


# --- notifications from a city's own broker ------------------------------------------------


@ngsi_view(("POST",))
def notifications_in(request: HttpRequest) -> HttpResponse:
    """A Notification (§5.3.1) POSTed by the city's own context broker (Orion-LD, Stellio) for
    a subscription made there: each entity in ``data`` is stored like an upsert, so readings
    land once (the (sensor, quantity, observed time) is unique). The key comes in ``X-Api-Key``
    (the broker's ``receiverInfo``). 200 with what was stored and what was not."""
    key = _key(request)
    body = _body(request, entities=False)
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise NgsiError("BadRequestData", "A notification is an object with a data list.")
    stored: list[str] = []
    ignored: list[dict[str, Any]] = []
    changes: dict[str, set[str]] = {}
    for item in body["data"]:
        entity_id = item.get("id") if isinstance(item, dict) else None
        try:
            with transaction.atomic():
                data = parse_entity(item)
                written: dict[str, set[str]] = {}
                _store(key, data, changes=written)
            for changed_id, attrs in written.items():
                changes.setdefault(changed_id, set()).update(attrs)
            stored.append(f"urn:ngsi-ld:{data.entity_type}:{data.device_id}")
        except (NgsiError, EntityError, DomainError) as exc:
            if isinstance(exc, EntityError):
                problem = _from_entity(exc)
            elif isinstance(exc, DomainError):
                problem = _from_domain(exc)
            else:
                problem = exc
            ignored.append(
                {
                    "entityId": entity_id if isinstance(entity_id, str) else "",
                    "reason": problem.detail,
                }
            )
    services.entities_changed(changes)
    return _respond(
        request,
        {"subscriptionId": body.get("subscriptionId"), "stored": stored, "notStored": ignored},
    )
