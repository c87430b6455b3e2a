"""Open311 GeoReport v2 server (http://wiki.open311.org/GeoReport_v2), in JSON and XML.

Thin views: parse the parameters (empty optional ones count as absent), call one selector or
service, and render. Every ``DomainError`` becomes the spec's error array of ``code`` and
``description`` with status 400, 403 or 404.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
    QueryDict,
)
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cocity.core.errors import DomainError
from cocity.core.models import in_language
from cocity.core.text import xml_safe
from cocity.needs import selectors, services
from cocity.needs.models import Channel, ServiceCategory, open311_status

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
WINDOW = timedelta(days=90)
MAX_RESULTS = 1000

# XML element names of list items, by the name of the list
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "errors": "error",
    "service_request_updates": "request_update",
}


class Open311Error(DomainError):
    pass


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    node = ET.SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, item in value.items():
            _xml_value(node, key, item)
    elif isinstance(value, list):
        for item in value:
            _xml_value(node, ITEM_NAMES.get(name, "item"), item)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        # rows stored before input was checked may hold characters XML cannot carry
        node.text = xml_safe(str(value))


def render(data: Any, fmt: str, root: str, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(data, status=status, safe=False)
    element = ET.Element(root)
    if isinstance(data, list):
        for item in data:
            _xml_value(element, ITEM_NAMES[root], item)
    else:
        for key, value in data.items():
            _xml_value(element, key, value)
    body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


ERROR_STATUSES = (400, 403, 404, 405, 414, 422, 429, 500)
# longer request targets get 414 in the error array (gunicorn itself refuses request lines
# beyond 4094 bytes, before cocity sees them)
MAX_TARGET = 2048


def error_response(exc: DomainError, fmt: str) -> HttpResponse:
    status = exc.status if exc.status in ERROR_STATUSES else 400
    return render([{"code": status, "description": exc.message}], fmt, "errors", status=status)


def error_for_request(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """The error array in the format the URL asks for (for errors found before a view runs)."""
    return error_response(exc, "xml" if request.path.endswith(".xml") else "json")


def open311_view(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Map domain errors of ``func`` to the Open311 error array, in the requested format."""

    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        if len(request.get_full_path()) > MAX_TARGET:
            too_long = DomainError(
                f"The URL is longer than {MAX_TARGET} characters; send long values in a POST.",
                code="uri_too_long",
                status=414,
            )
            return error_response(too_long, fmt)
        try:
            response = func(request, *args, fmt=fmt, **kwargs)
        except DomainError as exc:
            return error_response(exc, fmt)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error_response(
                DomainError(
                    f"{request.method} is not allowed here; use {allowed}.",
                    code="method_not_allowed",
                    status=405,
                ),
                fmt,
            )
            response["Allow"] = allowed
        return response

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return csrf_exempt(wrapper)


def _param(data: QueryDict, name: str) -> str | None:
    """An optional parameter: empty or blank counts as absent."""
    value = data.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def _request_id(value: str) -> int | None:
    """A report number, or None for anything that is not one (nor fits the id column)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _w3c(value: datetime | None) -> str | None:
    if value is None:
        return None
    # isoformat is several times faster than strftime (1000-row lists format 3000 of these)
    return value.astimezone(UTC).isoformat(timespec="seconds")[:19] + "Z"


def _parse_when(value: str, name: str, *, end: bool = False) -> datetime:
    invalid = Open311Error(
        f"{name} must be a W3C date-time such as 2026-01-31T00:00:00Z.", code="invalid"
    )
    try:
        if "T" in value:
            parsed = parse_datetime(value.replace(" ", "+"))
        else:
            day = parse_date(value)
            parsed = datetime.combine(day, time.max if end else time.min) if day else None
    except ValueError:
        raise invalid from None
    if parsed is None:
        raise invalid
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _window(query: QueryDict) -> tuple[datetime, datetime]:
    """``start_date``/``end_date``: the last 90 days by default, and never more than 90."""
    start_param, end_param = _param(query, "start_date"), _param(query, "end_date")
    start = _parse_when(start_param, "start_date") if start_param else None
    end = _parse_when(end_param, "end_date", end=True) if end_param else None
    if start is None:
        if end is None:
            end = timezone.now()
        start = end - WINDOW
    if end is None:
        end = start + WINDOW
    if start > end:
        raise Open311Error("start_date must be before end_date.", code="invalid")
    return max(start, end - WINDOW), end


# --- discovery and services -------------------------------------------------------------------


@open311_view
@require_http_methods(["GET"])
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    base = base.rsplit("/", 1)[0] + "/"
    data = {
        "changeset": _w3c(timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)),
        "contact": settings.CONTACT_EMAIL,
        "key_service": (
            "Client apps ask the city for an API key at "
            f"{request.build_absolute_uri(reverse('needs:open311_apps'))} "
            "(an administrator issues it); reading needs no key."
        ),
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": base,
                "changeset": "2026-11-22T00:00:00Z",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render(data, fmt, "discovery")


def _service(category: ServiceCategory) -> dict[str, Any]:
    # GeoReport v2 has no language parameter: the texts follow the request's language as
    # LocaleMiddleware chooses it (the language cookie, then Accept-Language, then the
    # site's), falling back to the default text; clients match services by service_code
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": category.description_label or category.name,
        "metadata": category.has_metadata,
        "type": "realtime",
        "keywords": category.keywords_label,
        "group": category.group_label or category.department.label,
    }


@open311_view
@require_http_methods(["GET"])
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return render([_service(c) for c in selectors.category_list()], fmt, "services")


@open311_view
@require_http_methods(["GET"])
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    category = selectors.category_by_code(code)
    if category is None:
        raise Open311Error(f"Service '{code}' not found.", code="not_found", status=404)
    attributes = []
    for order, attr in enumerate(category.attributes, start=1):
        attributes.append(
            {
                "variable": bool(attr.get("variable", True)),
                "code": attr["code"],
                "datatype": attr["datatype"],
                "required": bool(attr.get("required", False)),
                "datatype_description": attr.get("datatype_description", ""),
                "order": attr.get("order", order),
                # in the request's language when the definition has it (see _service)
                "description": in_language(
                    attr.get("descriptions") or {}, attr.get("description", "")
                ),
                "values": [
                    {"key": v.get("key"), "name": in_language(v.get("names") or {}, v.get("name"))}
                    for v in attr.get("values") or []
                ],
            }
        )
    data = {"service_code": category.code, "attributes": attributes}
    return render(data, fmt, "service_definition")


# --- requests ---------------------------------------------------------------------------------


def _request(
    row: Mapping[str, Any], media: Callable[[str], str], names: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "service_request_id": str(row["id"]),
        "status": open311_status(row["status"]),
        "status_notes": row["notes"] or "",
        "service_name": names.get(row["service_code"], row["service_name"]),
        "service_code": row["service_code"],
        "description": row["description"],
        "agency_responsible": row["agency"] or "",
        "service_notice": "",
        "requested_datetime": row["requested"],
        "updated_datetime": row["updated"],
        "expected_datetime": row["expected"],
        "address": row["address"],
        "address_id": "",
        "zipcode": "",
        "lat": row["lat"],
        "long": row["lon"],
        # Open311 has one media_url per request: the first photo's absolute URL
        "media_url": media(row["photo"]) if row["photo"] else "",
    }


def _requests_response(request: HttpRequest, rows: list[dict[str, Any]], fmt: str) -> HttpResponse:
    def media(name: str) -> str:
        return request.build_absolute_uri(default_storage.url(name))

    # the service's name in the request's language, as in services.json
    names = {c.code: c.label for c in selectors.category_list(active_only=False)} if rows else {}
    return render([_request(row, media, names) for row in rows], fmt, "service_requests")


@open311_view
@require_http_methods(["GET", "POST"])
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, fmt)
    query = request.GET
    ids_param = _param(query, "service_request_id")
    if ids_param is not None:
        parsed = [_request_id(x.strip()) for x in ids_param.split(",") if x.strip()]
        ids = [pk for pk in parsed if pk is not None]
        if len(ids) != len(parsed):
            raise Open311Error("service_request_id must be numbers.", code="invalid")
        return _requests_response(request, selectors.open311_requests(ids=ids), fmt)
    codes = _param(query, "service_code")
    status = _param(query, "status")
    statuses = [s.strip().lower() for s in status.split(",")] if status else None
    if statuses and not set(statuses) <= {"open", "closed"}:
        raise Open311Error("status must be open or closed.", code="invalid")
    start, end = _window(query)
    reports = selectors.open311_requests(
        service_codes=[c.strip() for c in codes.split(",")] if codes else None,
        statuses=statuses,
        start=start,
        end=end,
        limit=MAX_RESULTS,
    )
    return _requests_response(request, reports, fmt)


def _attributes(data: QueryDict) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in data:
        if not key.startswith("attribute[") or not key.endswith("]"):
            continue
        if key.endswith("[]"):
            code = key[len("attribute[") : -len("][]")]
            items = [v for v in data.getlist(key) if v.strip()]
            if items:
                values[code] = items
        else:
            code = key[len("attribute[") : -1]
            value = _param(data, key)
            if value is not None:
                values[code] = value
    return values


def _language(request: HttpRequest) -> str:
    """The language the client app asks in: its ``locale`` parameter (GeoReport v2 defines
    none; some servers' extensions take ``locale``), else its Accept-Language header, else ""
    (the site's language)."""
    locale = _param(request.POST, "locale") or _param(request.GET, "locale")
    if locale:
        return locale
    if request.META.get("HTTP_ACCEPT_LANGUAGE"):
        return translation.get_language_from_request(request)
    return ""


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    raw_key = _param(data, "api_key") or _param(request.GET, "api_key") or ""
    code = _param(data, "service_code")
    key = selectors.open311_key_valid(raw_key)
    if key is None:
        raise Open311Error("A valid api_key is required.", code="forbidden", status=403)
    if code is None:
        raise Open311Error("service_code is required.", code="invalid")
    lat, lon = _param(data, "lat"), _param(data, "long")
    if lat is None or lon is None:
        raise Open311Error("lat and long are required.", code="invalid")
    description = _param(data, "description")
    if description is None:
        raise Open311Error("description is required.", code="invalid")
    report = services.report_submit(
        category=code,  # an unknown service is reported by report_submit
        description=description,
        lat=lat,
        lon=lon,
        channel=Channel.API,
        address=_param(data, "address_string") or "",
        contact_email=_param(data, "email") or "",
        contact_language=_language(request),
        attributes=_attributes(data),
        api_key=key,
        anonymous=True,
        idempotency_key=request.META.get("HTTP_IDEMPOTENCY_KEY", ""),
        idempotency_scope=f"open311:{key.pk}",
        # a photo uploaded as the ``media`` file (multipart); a remote ``media_url`` is not
        # fetched (the server would make requests on a client's behalf)
        photos=request.FILES.getlist("media"),
    )
    body = [
        {
            "service_request_id": str(report.pk),
            "token": report.tracking_token,
            "service_notice": "",
            "account_id": None,
        }
    ]
    return render(body, fmt, "service_requests")


@open311_view
@require_http_methods(["GET"])
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    pk = _request_id(request_id)
    rows = selectors.open311_requests(ids=[pk]) if pk is not None else []
    if not rows:
        raise Open311Error(f"Service request '{request_id}' not found.", status=404)
    return _requests_response(request, rows, fmt)


@open311_view
@require_http_methods(["GET"])
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    report = selectors.report_by_token(token)
    if report is None:
        raise Open311Error("Token not found.", status=404)
    body = [{"service_request_id": str(report.pk), "token": token}]
    return render(body, fmt, "service_requests")


@open311_view
@require_http_methods(["GET"])
def request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """mySociety's ``servicerequestupdates`` extension: public updates in a date window
    (default and cap: 90 days), oldest first."""
    start, end = _window(request.GET)
    updates = selectors.open311_updates(start=start, end=end, limit=MAX_RESULTS)
    body = [
        {
            "update_id": str(u.pk),
            "service_request_id": str(u.report_id),
            "status": open311_status(u.new_status or u.report.status),
            "updated_datetime": _w3c(u.created_at),
            "description": u.text,
            "media_url": "",
        }
        for u in updates
    ]
    return render(body, fmt, "service_request_updates")
