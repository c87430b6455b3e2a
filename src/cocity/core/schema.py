"""The OpenAPI schema says which errors each operation answers, and in which shape.

drf-spectacular documents only the success of an operation. ``AutoSchema`` adds the errors every
operation can meet, each as RFC 9457 problem details (``Problem``, served as
``application/problem+json`` by ``core.errors``):

- 400: any request (a parameter or body that does not validate, or text with characters
  ``UnsafeTextMiddleware`` refuses in its path, query or headers);
- 403: any request (an unknown or revoked token is refused before the view runs; signing in is
  required, or the role may not do this);
- 404: an operation with path parameters (no such object);
- 415: an operation with a request body (a media type it does not read).

A view declares the others it answers (404 for a point outside the city, 409, 422, 429) with
``extend_schema(responses={200: …, **problems(409, 429)})``. A 429 carries ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from cocity.core.errors import PROBLEM_CONTENT_TYPE

ERROR_DESCRIPTIONS = {
    400: "The request is not valid: `errors` names the fields (code `invalid`) or `code` says "
    "what is wrong.",
    403: "Not allowed: sign in, use a valid token, or this role may not do it.",
    404: "Not found.",
    409: "Conflicts with the current state (for example: closed, already there).",
    415: "The request body's media type is not one this operation reads.",
    422: "The Idempotency-Key was already used with a different request.",
    429: "Too many requests: try again after `Retry-After` seconds.",
}


class Problem(serializers.Serializer[Any]):
    """RFC 9457 problem details, as every error of the REST API is answered."""

    type = serializers.URLField(help_text="Names the problem: ends in the `code`.")
    title = serializers.CharField(help_text="The HTTP status in words.")
    status = serializers.IntegerField(min_value=400, max_value=599)
    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(help_text="Stable and machine-readable: what went wrong.")
    instance = serializers.CharField(required=False, help_text="The path and query asked for.")
    # named like Serializer.errors, which stays a property: DRF's metaclass takes declared fields
    # out of the class
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages by field name.",
    )


def problems(*statuses: int) -> dict[int, OpenApiResponse]:
    """``{status: problem response}`` for ``extend_schema(responses=...)``."""
    return {
        status: OpenApiResponse(Problem, description=ERROR_DESCRIPTIONS.get(status, ""))
        for status in statuses
    }


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema of an operation, with the errors it can answer."""

    def _error_statuses(self) -> list[int]:
        statuses = [400, 403]
        if "{" in self.path:
            statuses.append(404)
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            statuses.append(415)
        return statuses

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        bodies = super()._get_response_bodies(direction)
        for status, response in problems(*self._error_statuses()).items():
            if str(status) not in bodies:
                bodies[str(status)] = self._get_response_for_code(
                    response, str(status), direction=direction
                )
        return dict(sorted(bodies.items()))

    def _get_response_for_code(
        self,
        serializer: Any,
        status_code: Any,
        media_types: Any = None,
        direction: Any = "response",
    ) -> Any:
        inner = serializer.response if isinstance(serializer, OpenApiResponse) else serializer
        if media_types is None and inner is Problem:
            media_types = [PROBLEM_CONTENT_TYPE]
        return super()._get_response_for_code(serializer, status_code, media_types, direction)

    def _get_response_headers_for_code(self, status_code: Any, direction: Any = "response") -> Any:
        headers = super()._get_response_headers_for_code(status_code, direction)
        if str(status_code) == "429":
            headers["Retry-After"] = {
                "schema": {"type": "integer", "minimum": 1},
                "required": True,
                "description": "Seconds to wait before trying again.",
            }
        return headers
