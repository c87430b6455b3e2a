from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from cocity.core.errors import DomainError, error_response, retry_after
from cocity.core.text import all_safe, is_safe

request_log = logging.getLogger("cocity.request")


class RequestLogMiddleware:
    """Logs one structured line per request: method, path, status, duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        request_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - start) * 1000, 2),
            },
        )
        return response


class DomainErrorMiddleware:
    """Shows a ``DomainError`` raised by an HTML view as a message, never as a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, DomainError):
            return None
        if request.method == "POST" and exc.status != 429:
            messages.error(request, exc.message)
            back = request.META.get("HTTP_REFERER", "")
            if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return HttpResponseRedirect(back)
        return retry_after(
            render(request, "core/error.html", {"error": exc}, status=exc.status), exc
        )


JSON_TYPES = ("application/json", "application/ld+json", "application/geo+json")


def _strings(value: Any) -> Iterator[str]:
    """Every string in a decoded JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _request_texts(request: HttpRequest) -> Iterator[str]:
    yield request.path
    for key, values in request.GET.lists():
        yield key
        yield from values
    for name, header in request.META.items():
        if name.startswith("HTTP_") and isinstance(header, str):
            yield header
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, values in request.POST.lists():
            yield key
            yield from values
        for _field, uploads in request.FILES.lists():
            for upload in uploads:
                yield upload.name or ""
    elif content_type in JSON_TYPES or content_type.endswith("+json"):
        try:
            text: str | None = request.body.decode()
        except UnicodeDecodeError:
            text = None
        if text is not None and "\\u" not in text and is_safe(text):
            return  # no escapes and no forbidden character: no string can hold one (fast path)
        try:
            document = json.loads(request.body)
        except ValueError:
            return  # the view answers malformed JSON in its own way
        yield from _strings(document)


class UnsafeTextMiddleware:
    """Refuses a request whose path, query, headers, form fields or JSON strings hold a character
    that a database or XML cannot hold (``core.text``), with a 400 in the protocol's own error
    shape, before any view runs: nothing is written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not all_safe(_request_texts(request)):
            return error_response(
                request,
                DomainError(
                    _(
                        "The request contains control characters (such as NUL) that cannot be "
                        "stored. Remove them and try again."
                    ),
                    code="unsafe_text",
                ),
            )
        return self.get_response(request)


class LanguageMemoryMiddleware:
    """Remember the language a signed-in person last browsed in (``User.preferred_language``):
    notifications and e-mails sent to them later, from tasks with no request, use it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(request, "LANGUAGE_CODE", "")
        # empty means the site's language, so most people are never written to
        remembered = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
        if user is not None and user.is_authenticated and language and remembered != language:
            from cocity.core.services import user_remember_language

            user_remember_language(user=user, language=language)
        return self.get_response(request)
