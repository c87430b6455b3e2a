"""REST API of equity (mounted under /api/equity/): the stored snapshot's indicators,
representativeness and inequality figures, one district, and the alerts. Read-only and public:
every figure is an aggregate over at least a district."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cocity.core.schema import problems
from cocity.equity import selectors
from cocity.equity.models import Alert, Snapshot


def _snapshot() -> Snapshot:
    snapshot = selectors.snapshot_latest()
    if snapshot is None:
        raise NotFound("The equity figures have not been computed yet.")
    return snapshot


def _head(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "computed_at": snapshot.computed_at,
        "since": snapshot.since,
        "until": snapshot.until,
        "seconds": snapshot.seconds,
    }


class Indicators(APIView):
    """Indicators per district (with monthly series) and for the whole city."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **problems(404)})
    def get(self, request: Request) -> Response:
        snapshot = _snapshot()
        data = snapshot.data
        return Response(
            {
                **_head(snapshot),
                "months": data.get("months", []),
                "city": data.get("city", {}),
                "districts": data.get("districts", []),
            }
        )


class District(APIView):
    """One district's indicators and series."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **problems(404)})
    def get(self, request: Request, code: str) -> Response:
        snapshot = _snapshot()
        row = selectors.snapshot_district(snapshot, code)
        if row is None:
            raise NotFound("No such district.")
        return Response({**_head(snapshot), "months": snapshot.data.get("months", []), **row})


class Representation(APIView):
    """Participants against the population, per way of taking part: by district (with Wilson
    intervals per share and bootstrap intervals per measure), by age band and income fifth
    (estimated from districts, raw and weighted), and the district weights."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **problems(404)})
    def get(self, request: Request) -> Response:
        snapshot = _snapshot()
        return Response({**_head(snapshot), **snapshot.data.get("representation", {})})


class Inequality(APIView):
    """Population-weighted Gini and Theil (with the between/within split) and concentration
    indices by need, per indicator."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **problems(404)})
    def get(self, request: Request) -> Response:
        snapshot = _snapshot()
        return Response({**_head(snapshot), "indicators": snapshot.data.get("inequality", [])})


class AlertSerializer(serializers.ModelSerializer[Alert]):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "process_id",
            "title",
            "link",
            "area",
            "opens_at",
            "closes_at",
            "participants",
            "total",
            "share",
            "population_share",
            "projected_share",
            "threshold",
            "raised_at",
            "cleared_at",
        ]


class AlertList(generics.ListAPIView[Alert]):
    """Alerts of open processes (add ``?all=1`` for cleared ones too)."""

    serializer_class = AlertSerializer

    def get_queryset(self) -> Any:
        return selectors.alert_list(active_only=self.request.query_params.get("all") != "1")
