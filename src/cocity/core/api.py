"""REST API of the core app (mounted under /api/)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cocity.core import selectors, services
from cocity.core.errors import DomainError
from cocity.core.models import (
    Area,
    AuditEntry,
    ConsentPurpose,
    ConsentRecord,
    Department,
    Organisation,
    Role,
)
from cocity.core.schema import problems
from cocity.core.throttle import throttle_check


def latitude(**kwargs: Any) -> serializers.FloatField:
    """A latitude, −90 to 90: the schema states the bounds, and input outside them is a 400."""
    return serializers.FloatField(min_value=-90, max_value=90, **kwargs)


def longitude(**kwargs: Any) -> serializers.FloatField:
    """A longitude, −180 to 180 (as ``latitude``)."""
    return serializers.FloatField(min_value=-180, max_value=180, **kwargs)


class AreaSerializer(serializers.ModelSerializer[Area]):
    parent: serializers.SlugRelatedField[Area] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = Area
        fields = [
            "code",
            "name",
            "kind",
            "parent",
            "population",
            "demographics",
            "centroid_lat",
            "centroid_lon",
            "area_km2",
        ]
        extra_kwargs = {
            "centroid_lat": {"min_value": -90, "max_value": 90},
            "centroid_lon": {"min_value": -180, "max_value": 180},
        }


class AreaDetailSerializer(AreaSerializer):
    class Meta(AreaSerializer.Meta):
        fields = [*AreaSerializer.Meta.fields, "boundary"]


class DepartmentSerializer(serializers.ModelSerializer[Department]):
    class Meta:
        model = Department
        fields = ["code", "name", "email"]


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    area: serializers.SlugRelatedField[Area] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = Organisation
        fields = ["slug", "name", "description", "area", "website"]


class AuditEntrySerializer(serializers.ModelSerializer[AuditEntry]):
    """An entry of the public log. ``actor`` is the actor's role (or ``system``), never who they
    are; the hashed ``actor_label`` (``user:N``) is included for administrators only, who can
    then recompute the chain from the API."""

    actor = serializers.ChoiceField(
        choices=[*Role.values, "participant", "system"], source="actor_role", read_only=True
    )

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "data",
            "prev_hash",
            "hash",
        ]


class AreaList(generics.ListAPIView[Area]):
    """Districts and neighbourhoods with population and demographics."""

    serializer_class = AreaSerializer

    def get_queryset(self) -> Any:
        return selectors.area_list()


class AreaDetail(generics.RetrieveAPIView[Area]):
    """One area with its GeoJSON boundary."""

    serializer_class = AreaDetailSerializer
    lookup_field = "code"

    def get_queryset(self) -> Any:
        return selectors.area_list()


class LocateQuery(serializers.Serializer[Any]):
    lat = latitude()
    lon = longitude()


class AreaLocate(APIView):
    """Which area contains a point (404 `outside_city` when none does)."""

    @extend_schema(parameters=[LocateQuery], responses={200: AreaSerializer, **problems(404)})
    def get(self, request: Request) -> Response:
        query = LocateQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        area = selectors.area_for_point(**query.validated_data)
        if area is None:
            raise DomainError("This point is outside the city.", code="outside_city", status=404)
        return Response(AreaSerializer(area).data)


class DepartmentList(generics.ListAPIView[Department]):
    serializer_class = DepartmentSerializer

    def get_queryset(self) -> Any:
        return selectors.department_list()


class OrganisationList(generics.ListAPIView[Organisation]):
    serializer_class = OrganisationSerializer

    def get_queryset(self) -> Any:
        return selectors.organisation_list()


class AdminAuditEntrySerializer(AuditEntrySerializer):
    class Meta(AuditEntrySerializer.Meta):
        fields = [*AuditEntrySerializer.Meta.fields, "actor_label"]


@extend_schema(
    parameters=[
        OpenApiParameter("object_type", str, description="Only entries about this kind of object"),
        OpenApiParameter("object_id", str, description="Only entries about this object"),
    ]
)
class AuditList(generics.ListAPIView[AuditEntry]):
    """The public, hash-chained audit log, newest first. ``actor`` names a role, not a person."""

    serializer_class = AuditEntrySerializer

    def get_serializer_class(self) -> Any:
        if self.request.user.has_perm("core.view_audit_actors"):
            return AdminAuditEntrySerializer
        return AuditEntrySerializer

    def get_queryset(self) -> Any:
        return selectors.audit_entries(
            object_type=self.request.query_params.get("object_type", ""),
            object_id=self.request.query_params.get("object_id", ""),
        )


class MeSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField()
    public_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)


class Me(APIView):
    """The signed-in person."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user: Any = request.user
        return Response({"email": user.email, "public_name": user.public_name, "role": user.role})


class ConsentSerializer(serializers.ModelSerializer[ConsentRecord]):
    class Meta:
        model = ConsentRecord
        fields = ["purpose", "granted_at", "withdrawn_at"]
        read_only_fields = ["granted_at", "withdrawn_at"]


class ConsentInput(serializers.Serializer[Any]):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    granted = serializers.BooleanField()


class Consents(APIView):
    """Your consent records: list them, grant or withdraw one."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ConsentSerializer(many=True))
    def get(self, request: Request) -> Response:
        user: Any = request.user
        return Response(ConsentSerializer(user.consents.all(), many=True).data)

    @extend_schema(request=ConsentInput, responses=ConsentSerializer(many=True))
    def post(self, request: Request) -> Response:
        data = ConsentInput(data=request.data)
        data.is_valid(raise_exception=True)
        user: Any = request.user
        if data.validated_data["granted"]:
            services.consent_grant(user=user, purpose=data.validated_data["purpose"])
        else:
            services.consent_withdraw(user=user, purpose=data.validated_data["purpose"])
        return Response(
            ConsentSerializer(user.consents.all(), many=True).data, status=status.HTTP_200_OK
        )


class MyData(APIView):
    """Everything cocity holds about you, as JSON."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response(services.personal_data_export(user=request.user))  # type: ignore[arg-type]


class TokenOutput(serializers.Serializer[Any]):
    token = serializers.CharField()


class TokenObtain(ObtainAuthToken):
    """Exchange an e-mail address (``username``) and password for an API token. Attempts are
    limited per client address and per account (``COCITY_RATE_TOKEN``): over the limit, 429
    problem+json with ``Retry-After``."""

    # anyone may ask (DRF's view names no permission at all, which the schema would read as
    # "authentication required")
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=AuthTokenSerializer, responses={200: TokenOutput, **problems(429)})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # a JSON body that is not an object names no account (the serializer refuses it: 400)
        data = request.data
        username = data.get("username", "") if isinstance(data, Mapping) else ""
        account = str(username or "").strip().lower()
        throttle_check(request, "token", scope=f"account:{account}", report_burst=False)
        return super().post(request, *args, **kwargs)
