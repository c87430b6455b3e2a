"""One error type for domain failures, mapped in one place to every output format.

Services raise ``DomainError``; the HTML side shows it as a message (``DomainErrorMiddleware``),
the REST API as RFC 9457 ``application/problem+json`` (``problem_exception_handler``). Later
protocols (Open311, NGSI-LD) map the same object to their own error shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_default_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"

T = TypeVar("T")


def or_404(getter: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``getter(*args, **kwargs)`` (a selector or ``QuerySet.get`` reading one row), with a
    missing row answered as 404 (HTML pages and the REST API alike)."""
    try:
        return getter(*args, **kwargs)
    except ObjectDoesNotExist:
        raise Http404 from None


def form_write(form: Any, write: Callable[[dict[str, Any]], T]) -> T | None:
    """``write(form.cleaned_data)`` when ``form`` is bound and valid, and what it answers; a
    ``DomainError`` it raises goes onto the form. ``None``: the form is unbound or has errors
    (show it again)."""
    if form.is_valid():
        try:
            return write(form.cleaned_data)
        except DomainError as exc:
            exc.add_to_form(form)
    return None


class DomainError(Exception):
    """A domain rule was broken. ``code`` is stable and machine-readable; ``message`` is for people;
    ``fields`` maps field names to lists of messages."""

    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        status: int | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.code = code
        if status is not None:
            self.status = status
        self.fields = fields or {}

    @classmethod
    def from_validation_error(cls, exc: ValidationError) -> DomainError:
        fields: dict[str, list[str]] = {}
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                fields[name] = [str(e) for e in errors]
        messages = [m for msgs in fields.values() for m in msgs] or [str(m) for m in exc.messages]
        return cls("; ".join(messages), code="invalid", fields=fields)

    def add_to_form(self, form: Any) -> None:
        """Show the error on a Django form: beside each field the form has, else above it."""
        placed = False
        for name, errors in self.fields.items():
            if name in form.fields:
                for error in errors:
                    form.add_error(name, error)
                placed = True
        if not placed:
            form.add_error(None, self.message)

    def problem(self, instance: str = "") -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://cocity.example/problems/{self.code}",
            "title": problem_title(self.status),
            "status": self.status,
            "detail": self.message,
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        if self.fields:
            body["errors"] = self.fields
        return body


def retry_after(response: Any, exc: Exception) -> Any:
    """Add ``Retry-After`` to the response of an error that says when to come back (429)."""
    seconds = getattr(exc, "retry_after", None)
    if seconds:
        response["Retry-After"] = str(int(seconds))
    return response


class NotAllowed(DomainError):  # noqa: N818 — named for the answer (403), like PermissionDenied
    status = 403

    def __init__(self, message: str = "", *, code: str = "forbidden") -> None:
        super().__init__(message or _("You are not allowed to do this."), code=code)


class Conflict(DomainError):  # noqa: N818 — named for the answer (409)
    status = 409


def problem_title(status: int) -> str:
    titles = {
        400: _("The request is not valid"),
        401: _("Authentication is required"),
        403: _("You are not allowed to do this"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict with the current state"),
        415: _("Unsupported media type"),
        429: _("Too many requests"),
    }
    return titles.get(status, _("Server error") if status >= 500 else _("Request failed"))


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(v, dict | list) for v in detail):
            out[prefix or "non_field_errors"] = [str(v) for v in detail]
        else:
            for i, value in enumerate(detail):
                out.update(_flatten(value, f"{prefix}[{i}]"))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler producing RFC 9457 problem details for every error."""
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    if isinstance(exc, ValidationError):
        exc = DomainError.from_validation_error(exc)
    if isinstance(exc, DomainError):
        problem = Response(exc.problem(instance), status=exc.status)
        problem.content_type = PROBLEM_CONTENT_TYPE
        return retry_after(problem, exc)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_default_handler(exc, context)
    if response is None or not isinstance(exc, drf_exceptions.APIException):
        return response
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else "invalid"
    body: dict[str, Any] = {
        "type": f"https://cocity.example/problems/{code}",
        "title": problem_title(response.status_code),
        "status": response.status_code,
        "instance": instance,
    }
    if isinstance(exc, drf_exceptions.ValidationError):
        body["detail"] = _("Some fields are not valid.")
        body["code"] = "invalid"
        body["errors"] = _flatten(exc.detail)
    else:
        body["detail"] = str(exc.detail)
        body["code"] = code
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


# --- one response for an error found before any view runs ------------------------------------

ProtocolRenderer = Callable[[HttpRequest, DomainError], HttpResponse]
_protocols: dict[str, ProtocolRenderer] = {}


def protocol_register(prefix: str, renderer: ProtocolRenderer) -> None:
    """Let an app answer errors under a URL prefix in its protocol's own shape (needs registers
    Open311's error array for ``/open311/``)."""
    _protocols[prefix] = renderer


def speaks_protocol(path: str) -> bool:
    """Whether errors under ``path`` answer in a machine format (a registered protocol's shape or
    problem+json under ``/api/``) rather than as an HTML page."""
    return path.startswith("/api/") or any(path.startswith(prefix) for prefix in _protocols)


def error_response(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """``exc`` as the protocol of the requested URL expects it: a registered protocol's shape,
    problem+json under ``/api/``, else the HTML error page."""
    for prefix, renderer in _protocols.items():
        if request.path.startswith(prefix):
            return retry_after(renderer(request, exc), exc)
    if request.path.startswith("/api/"):
        return retry_after(
            JsonResponse(
                exc.problem(request.get_full_path()),
                status=exc.status,
                content_type=PROBLEM_CONTENT_TYPE,
            ),
            exc,
        )
    return retry_after(render(request, "core/error.html", {"error": exc}, status=exc.status), exc)


def full_clean(
    obj: Any, *, exclude: list[str] | None = None, validate_constraints: bool = True
) -> None:
    """``obj.full_clean(...)``, its ``ValidationError`` raised as a ``DomainError`` (services
    validate every instance they save this way)."""
    try:
        obj.full_clean(exclude=exclude, validate_constraints=validate_constraints)
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc) from exc
