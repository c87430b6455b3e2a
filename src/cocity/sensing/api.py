"""REST API of the sensing app (mounted under /api/sensing/): batch upload of readings for data
stewards' scripts. Sensors themselves are served by the NGSI-LD API (``ngsi.py``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import permissions, serializers
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cocity.core.errors import DomainError
from cocity.core.schema import problems
from cocity.sensing import selectors, services


class RawParser(BaseParser):
    """Leaves the body as it came (the service reads CSV or JSON itself)."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return stream.read()


class UploadResultSerializer(serializers.Serializer[Any]):
    rows = serializers.IntegerField(help_text="Readings in the file")
    new = serializers.IntegerField(help_text="Readings stored now (the others were already)")
    sensors = serializers.IntegerField(help_text="Sensors the readings belong to")


class ReadingsUpload(APIView):
    """Upload readings as CSV (``text/csv``, header ``device,quantity,observed_at,value``) or JSON
    (an array of objects with those keys). All or nothing: any wrong line gives 400 with
    ``errors`` by line, and nothing is stored. Needs a sensor key in ``X-Api-Key``."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [RawParser]

    @extend_schema(
        request={"text/csv": OpenApiTypes.STR, "application/json": OpenApiTypes.OBJECT},
        responses={201: UploadResultSerializer, **problems(401)},
        parameters=[
            OpenApiParameter("X-Api-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)
        ],
    )
    def post(self, request: Request) -> Response:
        key = selectors.sensor_key_valid(request.headers.get("X-Api-Key", ""))
        if key is None:
            raise DomainError(
                _("Uploading needs a valid sensor key in X-Api-Key."),
                code="not_authenticated",
                status=401,
            )
        media = (request.content_type or "").split(";")[0].strip().lower()
        name = "upload.json" if media == "application/json" else "upload.csv"
        result = services.readings_upload(
            data=request.data if isinstance(request.data, bytes) else b"", name=name, key=key
        )
        return Response(UploadResultSerializer(result).data, status=201)
