"""The REST API's pages: bounded sizes and strictly checked numbers, shared by every list.

A ``limit`` or ``offset`` that is not a whole number in range is refused with 400 (problem+json)
instead of being silently replaced or reaching the database as a number it cannot hold.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

MAX_LIMIT = 200
MAX_OFFSET = 2**31 - 1


def whole_number(request: Request, name: str, *, low: int, high: int) -> int | None:
    """The query parameter ``name`` as an int in ``[low, high]``, None when absent; else 400."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and low <= int(raw) <= high):
        message = _("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
        raise ValidationError({name: [message]})
    return int(raw)


def _bounded(parameters: list[dict[str, Any]], bounds: dict[str, tuple[int, int]]) -> Any:
    """OpenAPI parameters with the ranges this module enforces."""
    for parameter in parameters:
        if parameter["name"] in bounds:
            low, high = bounds[parameter["name"]]
            parameter["schema"] = {**parameter["schema"], "minimum": low, "maximum": high}
    return parameters


class Pages(pagination.LimitOffsetPagination):
    """``limit`` (50 by default, at most 200) and ``offset`` pages with a total count."""

    default_limit = 50
    max_limit = MAX_LIMIT

    def get_limit(self, request: Request) -> int:
        limit = whole_number(request, self.limit_query_param, low=1, high=self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request: Request) -> int:
        offset = whole_number(request, self.offset_query_param, low=0, high=MAX_OFFSET)
        return offset or 0

    def get_schema_operation_parameters(self, view: Any) -> Any:
        bounds = {
            self.limit_query_param: (1, self.max_limit),
            self.offset_query_param: (0, MAX_OFFSET),
        }
        return _bounded(super().get_schema_operation_parameters(view), bounds)


class CursorPages(pagination.CursorPagination):
    """Keyset pages for large tables: ``limit`` rows (50 by default, at most 200) and
    ``next``/``previous`` links that carry the position."""

    page_size = 50
    page_size_query_param = "limit"
    max_page_size = MAX_LIMIT

    def get_page_size(self, request: Request) -> Any:
        size = whole_number(request, "limit", low=1, high=self.max_page_size)
        return self.page_size if size is None else size

    def decode_cursor(self, request: Request) -> Any:
        """A ``cursor`` this API did not give is a 400 naming it (DRF answers 404, as if the
        list were not there)."""
        try:
            return super().decode_cursor(request)
        except NotFound:
            message = _("Follow the next and previous links: this is not one of their cursors.")
            raise ValidationError({self.cursor_query_param: [message]}) from None

    def get_schema_operation_parameters(self, view: Any) -> Any:
        bounds = {"limit": (1, self.max_page_size)}
        return _bounded(super().get_schema_operation_parameters(view), bounds)
