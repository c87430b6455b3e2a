"""REST API of the needs app (mounted under /api/needs/). Thin: parse, one selector or
service, serialise. Errors are problem+json through the core handler."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cocity.core.api import latitude, longitude
from cocity.core.errors import DomainError
from cocity.core.pagination import CursorPages
from cocity.core.schema import problems
from cocity.needs import selectors, services
from cocity.needs.models import Channel, Report, ReportUpdate, ServiceCategory

# the photos of many reports in one query, kept as plain lists on ``photo_list``
PHOTOS = Prefetch("photos", to_attr="photo_list")


class CategorySerializer(serializers.ModelSerializer[ServiceCategory]):
    """``description`` and ``group`` in the request's language (falling back to the default);
    ``descriptions`` and ``groups`` by language code, every language that has one."""

    department = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    description = serializers.CharField(source="description_label", read_only=True)
    descriptions = serializers.DictField(
        child=serializers.CharField(), source="all_descriptions", read_only=True
    )
    group = serializers.CharField(source="group_label", read_only=True)
    groups = serializers.DictField(
        child=serializers.CharField(), source="all_groups", read_only=True
    )

    class Meta:
        model = ServiceCategory
        fields = [
            "code",
            "name",
            "names",
            "description",
            "descriptions",
            "group",
            "groups",
            "department",
            "expected_days",
        ]


def _iso(value: datetime | None) -> str | None:
    """A timestamp as DRF's DateTimeField writes it: ISO 8601 in the current time zone."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class UpdateSerializer(serializers.ModelSerializer[ReportUpdate]):
    class Meta:
        model = ReportUpdate
        fields = ["id", "created_at", "old_status", "new_status", "text"]


class ReportSerializer(serializers.ModelSerializer[Report]):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    lat = latitude()
    lon = longitude()
    # a report outside every area, or in a category without a department, has none
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # type: ignore[var-annotated]
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # type: ignore[var-annotated]
    open311_status = serializers.ChoiceField(choices=["open", "closed"], read_only=True)
    reporter = serializers.CharField(source="reporter_name", read_only=True)
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "category",
            "description",
            "lat",
            "lon",
            "area",
            "h3_cell",
            "address",
            "reporter",
            "channel",
            "status",
            "open311_status",
            "priority",
            "department",
            "support_count",
            "duplicate_of",
            "created_at",
            "updated_at",
            "expected_at",
            "closed_at",
            "photos",
        ]

    def to_representation(self, report: Report) -> dict[str, Any]:
        """What the declared fields give (a test holds the two equal), written out: a page of
        50 reports spent most of its time in the per-field machinery."""

        def code(related: Any) -> str | None:
            return related.code if related is not None else None

        return {
            "id": report.pk,
            "category": code(report.category),
            "description": report.description,
            "lat": float(report.lat),
            "lon": float(report.lon),
            "area": code(report.area),
            "h3_cell": report.h3_cell,
            "address": report.address,
            "reporter": str(report.reporter_name),
            "channel": report.channel,
            "status": report.status,
            "open311_status": report.open311_status,
            "priority": int(report.priority),
            "department": code(report.department),
            "support_count": report.support_count,
            "duplicate_of": report.duplicate_of_id,
            "created_at": _iso(report.created_at),
            "updated_at": _iso(report.updated_at),
            "expected_at": _iso(report.expected_at),
            "closed_at": _iso(report.closed_at),
            "photos": self.get_photos(report),
        }

    def get_photos(self, report: Report) -> list[str]:
        """Absolute URLs of the report's photos (at most three)."""
        request = self.context.get("request")
        # a list prefetched with PHOTOS (no queryset per row), or a query for a single report
        photos = getattr(report, "photo_list", None)
        if photos is None:
            photos = report.photos.all()
        urls = [p.image.url for p in photos]
        return [request.build_absolute_uri(u) for u in urls] if request else urls


class ReportDetailSerializer(ReportSerializer):
    updates = serializers.SerializerMethodField()

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "updates"]

    def to_representation(self, report: Report) -> dict[str, Any]:
        return {**super().to_representation(report), "updates": self.get_updates(report)}

    @extend_schema_field(UpdateSerializer(many=True))
    def get_updates(self, report: Report) -> list[dict[str, Any]]:
        return list(UpdateSerializer(selectors.report_timeline(report=report), many=True).data)


class ReportInput(serializers.Serializer[Any]):
    category = serializers.SlugField()
    description = serializers.CharField(max_length=4000)
    lat = latitude()
    lon = longitude()
    address = serializers.CharField(max_length=200, required=False, default="")
    anonymous = serializers.BooleanField(required=False, default=False)
    attributes = serializers.DictField(required=False, default=dict)
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="Up to 3 images (multipart), 8 MB each; re-encoded without EXIF.",
    )


class CategoryList(generics.ListAPIView[ServiceCategory]):
    """What can be reported, and which department answers it."""

    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return selectors.category_list()


class ReportPages(CursorPages):
    """Keyset pages, newest first: a page costs the same at any depth and no page counts the
    whole table."""

    ordering = ("-created_at", "-id")


class ReportList(generics.ListCreateAPIView[Report]):
    """Reports newest first (filters ``category``, ``area``, ``status`` = a status, ``open`` or
    ``closed``), in keyset pages: follow ``next``. POST files a report as the signed-in person;
    an ``Idempotency-Key`` header makes a retry return the first report."""

    serializer_class = ReportSerializer
    pagination_class = ReportPages

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, description="A category's code"),
            OpenApiParameter("area", str, description="An area's code"),
            OpenApiParameter("status", str, description="A status, `open` or `closed`"),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        query = self.request.query_params
        return selectors.report_list(
            category=query.get("category", ""),
            area=query.get("area", ""),
            status=query.get("status", ""),
        ).prefetch_related(PHOTOS)

    @extend_schema(
        request=ReportInput,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                {"type": "string", "maxLength": 120},
                OpenApiParameter.HEADER,
                description="A retry with the same key and payload returns the first report.",
            )
        ],
        responses={201: ReportSerializer, **problems(422)},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        user: Any = request.user
        report = services.report_submit(
            category=data.validated_data["category"],
            description=data.validated_data["description"],
            lat=data.validated_data["lat"],
            lon=data.validated_data["lon"],
            address=data.validated_data["address"],
            anonymous=data.validated_data["anonymous"],
            attributes=data.validated_data["attributes"],
            reporter=user,
            channel=Channel.API,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            idempotency_scope=f"api:{user.pk}",
            photos=data.validated_data["photos"],
        )
        body = ReportSerializer(report, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ReportDetail(generics.RetrieveAPIView[Report]):
    """One report with its public timeline."""

    serializer_class = ReportDetailSerializer

    def get_queryset(self) -> Any:
        return selectors.report_list().prefetch_related(PHOTOS)


class NearbyQuery(serializers.Serializer[Any]):
    category = serializers.SlugField()
    lat = latitude()
    lon = longitude()


class NearbySerializer(serializers.Serializer[Any]):
    distance_m = serializers.FloatField()
    report = ReportSerializer()


class Nearby(APIView):
    """Open reports of the same category within 250 m, nearest first (the duplicate check)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[NearbyQuery],
        responses={200: NearbySerializer(many=True), **problems(404)},
    )
    def get(self, request: Request) -> Response:
        query = NearbyQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        category = selectors.category_by_code(query.validated_data["category"])
        if category is None:
            raise DomainError("Unknown category.", code="unknown_service", status=404)
        found = selectors.reports_nearby_open(
            category=category, lat=query.validated_data["lat"], lon=query.validated_data["lon"]
        )
        prefetch_related_objects([n.report for n in found], PHOTOS)
        rows = [{"distance_m": round(n.distance_m, 1), "report": n.report} for n in found]
        return Response(NearbySerializer(rows, many=True, context={"request": request}).data)


class CellsQuery(serializers.Serializer[Any]):
    bbox = serializers.CharField(help_text="min_lon,min_lat,max_lon,max_lat")
    category = serializers.SlugField(required=False, default="", help_text="A category's code")
    status = serializers.CharField(
        required=False, default="", help_text="A status, `open` or `closed`"
    )

    def validate_bbox(self, value: str) -> tuple[float, float, float, float]:
        try:
            west, south, east, north = (float(v) for v in value.split(","))
        except ValueError:
            raise serializers.ValidationError(
                "Four numbers: min_lon,min_lat,max_lon,max_lat."
            ) from None
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise serializers.ValidationError("Not a valid box.")
        return west, south, east, north


class CellCount(serializers.Serializer[Any]):
    cell = serializers.CharField()
    count = serializers.IntegerField()


class Cells(APIView):
    """Map aggregation: report counts per h3 cell (resolution 9) in a viewport."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[CellsQuery], responses=CellCount(many=True))
    def get(self, request: Request) -> Response:
        query = CellsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.report_cells(
            bbox=query.validated_data["bbox"],
            category=query.validated_data["category"],
            status=query.validated_data["status"],
        )
        return Response(CellCount(rows, many=True).data)


class Support(APIView):
    """Add your "me too" to a report (you also follow it)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=ReportSerializer)
    def post(self, request: Request, pk: int) -> Response:
        report = selectors.report_get(pk)
        if report is None:
            raise DomainError("Report not found.", code="not_found", status=404)
        services.report_support(report=report, user=request.user)  # type: ignore[arg-type]
        return Response(ReportSerializer(report, context={"request": request}).data)
