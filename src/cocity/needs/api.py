"""REST API of the needs app (mounted under /api/needs/). Thin: parse, one selector or
service, serialise. Errors are problem+json through the core handler."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cocity.core.api import latitude, longitude
from cocity.core.errors import DomainError
from cocity.core.pagination import CursorPages
from cocity.core.schema import problems
from cocity.needs import map as report_map
from cocity.needs import selectors, services
from cocity.needs.map import PIN_KIND_KEYS
from cocity.needs.models import Channel, Report, ReportUpdate, ServiceCategory, Status

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


# a points request may cover at most this many degrees each way (about 55 km north to south):
# a map asks for points only when zoomed in, far below this
POINTS_MAX_SPAN = 0.5


class PointsQuery(serializers.Serializer[Any]):
    bbox = serializers.CharField()
    # an empty field is no filter, as in the page's form
    category = serializers.SlugField(required=False, default="", allow_blank=True)
    district = serializers.SlugField(required=False, default="", allow_blank=True)
    status = serializers.ChoiceField(
        choices=["open", *Status.values], required=False, default="", allow_blank=True
    )
    date_from = serializers.DateField(required=False, default=None, allow_null=True)
    date_to = serializers.DateField(required=False, default=None, allow_null=True)

    def validate_bbox(self, value: str) -> tuple[float, float, float, float]:
        parts = value.split(",")
        try:
            west, south, east, north = (float(v) for v in parts)
        except ValueError:
            raise serializers.ValidationError(
                _("Four numbers: west,south,east,north (longitude, latitude, longitude, latitude).")
            ) from None
        if not all(math.isfinite(v) for v in (west, south, east, north)):
            raise serializers.ValidationError(_("The numbers must be finite."))
        if not (-180 <= west <= 180 and -180 <= east <= 180):
            raise serializers.ValidationError(_("Longitudes lie between -180 and 180."))
        if not (-90 <= south <= 90 and -90 <= north <= 90):
            raise serializers.ValidationError(_("Latitudes lie between -90 and 90."))
        if not (west < east and south < north):
            raise serializers.ValidationError(
                _("West must be less than east, and south less than north.")
            )
        if east - west > POINTS_MAX_SPAN or north - south > POINTS_MAX_SPAN:
            raise serializers.ValidationError(
                _(
                    "The box may span at most %(span)s degrees each way: zoom in, or ask "
                    "/api/needs/cells/ for counts."
                )
                % {"span": POINTS_MAX_SPAN}
            )
        return west, south, east, north

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"date_to": _("The end date comes before the start date.")}
            )
        return data


class PointGeometry(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=["Point"])
    coordinates = serializers.ListField(
        child=serializers.FloatField(min_value=-180, max_value=180),
        min_length=2,
        max_length=2,
        help_text="[longitude, latitude]",
    )


class PointProperties(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(help_text="The status in the reader's language.")
    kind = serializers.ChoiceField(
        choices=PIN_KIND_KEYS,
        help_text="The status group the map draws with one colour and shape.",
    )
    open = serializers.BooleanField()
    category = serializers.CharField(help_text="The category's code.")
    category_label = serializers.CharField(help_text="The category in the reader's language.")
    url = serializers.CharField(help_text="The report's public page.")


class PointFeature(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = PointGeometry()
    properties = PointProperties()


class PointCollection(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    limit = serializers.IntegerField(help_text="At most this many points are returned.")
    truncated = serializers.BooleanField(
        help_text="More reports than ``limit`` match: ``features`` is empty; show counts "
        "per cell (``/api/needs/cells/``) or zoom in."
    )
    features = PointFeature(many=True)


class Points(APIView):
    """Map points: the public reports inside a box, one GeoJSON point each with its status, its
    category and the link to its page, at most 500 (``truncated`` says when more match)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "bbox",
                {
                    "type": "array",
                    "items": {"type": "number", "minimum": -180, "maximum": 180},
                    "minItems": 4,
                    "maxItems": 4,
                },
                required=True,
                style="form",
                explode=False,
                description="west,south,east,north in degrees (WGS 84): longitudes from -180 "
                "to 180, latitudes from -90 to 90, west < east, south < north, at most "
                f"{POINTS_MAX_SPAN} degrees each way.",
            ),
            OpenApiParameter("category", str, description="a category's code"),
            OpenApiParameter("district", str, description="a district's code"),
            OpenApiParameter(
                "status",
                str,
                enum=["open", *Status.values],
                description="a status, or ``open`` / ``closed`` (any open or closed status)",
            ),
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="filed on or after"),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="filed on or before"),
        ],
        responses=PointCollection,
    )
    def get(self, request: Request) -> Response:
        query = PointsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = selectors.ReportFilters(
            category=data["category"],
            area=data["district"],
            status=data["status"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
        return Response(report_map.points_geojson(filters, bbox=data["bbox"]))


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
