"""REST API of the investment app (mounted under /api/investment/)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cocity.investment import selectors, services
from cocity.investment.models import Campaign, MatchingCall, Offering


class CampaignSerializer(serializers.ModelSerializer[Campaign]):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    call = serializers.SlugRelatedField(slug_field="slug", read_only=True)  # type: ignore[var-annotated]
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)  # type: ignore[var-annotated]
    pledged = serializers.SerializerMethodField(
        help_text="Cents pledged (a failed campaign's released pledges included)."
    )
    ledger = serializers.SerializerMethodField(
        help_text="Every pledge: amount (cents), round, status; a name only if the person chose."
    )

    class Meta:
        model = Campaign
        fields = [
            "slug",
            "title",
            "description",
            "status",
            "initiative",
            "idea",
            "organisation",
            "area",
            "call",
            "goal_minimum",
            "goal_optimum",
            "deadline",
            "second_round_deadline",
            "pledged",
            "ledger",
        ]

    def get_pledged(self, campaign: Campaign) -> int:
        return int(getattr(campaign, "pledged", None) or 0)

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_ledger(self, campaign: Campaign) -> list[dict[str, Any]]:
        return [
            {
                "created_at": row["created_at"].isoformat(),
                "amount": row["amount"],
                "round": row["round"],
                "status": row["status"],
                "name": row["name"] or None,
            }
            for row in selectors.ledger(campaign)
        ]


class CallSerializer(serializers.ModelSerializer[MatchingCall]):
    sponsor = serializers.SlugRelatedField(slug_field="slug", read_only=True)  # type: ignore[var-annotated]
    campaigns = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = MatchingCall
        fields = [
            "slug",
            "title",
            "description",
            "sponsor",
            "rule",
            "opens_at",
            "closes_at",
            "status",
            "campaigns",
            "result",
            "result_sha256",
            "computed_at",
        ]


class OfferingSerializer(serializers.ModelSerializer[Offering]):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = Offering
        fields = [
            "slug",
            "title",
            "description",
            "organisation",
            "unit_price",
            "units",
            "cap_per_person",
            "term",
            "stated_return",
            "opens_at",
            "closes_at",
            "seed",
            "status",
            "allocation",
        ]


class PledgeInputSerializer(serializers.Serializer[dict[str, Any]]):
    amount = serializers.IntegerField(min_value=1, help_text="Cents.")
    named = serializers.BooleanField(default=False)


class PledgeOutputSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    amount = serializers.IntegerField()
    status = serializers.CharField()
    reference = serializers.CharField()
    instructions = serializers.CharField()
    redirect_url = serializers.CharField()


class CallList(generics.ListAPIView[MatchingCall]):
    """Matching calls with their published rule and, once computed, the split."""

    serializer_class = CallSerializer

    def get_queryset(self) -> Any:
        return selectors.calls().prefetch_related("campaigns")


class CallDetail(generics.RetrieveAPIView[MatchingCall]):
    serializer_class = CallSerializer
    lookup_field = "slug"

    def get_queryset(self) -> Any:
        return selectors.calls().prefetch_related("campaigns")


class CallExport(APIView):
    """The call's rule, campaigns and counted pledges (no names), for ``cocity invest match``."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, slug: str) -> Response:
        call = generics.get_object_or_404(selectors.calls(), slug=slug)
        return Response(services.call_export(call))


class CampaignList(generics.ListAPIView[Campaign]):
    serializer_class = CampaignSerializer

    def get_queryset(self) -> Any:
        return selectors.campaigns()


class CampaignDetail(generics.RetrieveAPIView[Campaign]):
    serializer_class = CampaignSerializer
    lookup_field = "slug"

    def get_queryset(self) -> Any:
        return selectors.campaigns()


class CampaignPledge(APIView):
    """Pledge money to a campaign (signed in). Nothing is charged; the answer says how the
    money will be asked for."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=PledgeInputSerializer, responses={201: PledgeOutputSerializer})
    def post(self, request: Request, slug: str) -> Response:
        campaign = generics.get_object_or_404(selectors.campaigns(), slug=slug)
        data = PledgeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pledge, payment = services.pledge_make(
            pledger=request.user,  # type: ignore[arg-type]
            campaign=campaign,
            amount=data.validated_data["amount"],
            named=data.validated_data["named"],
        )
        body = {
            "id": pledge.pk,
            "amount": pledge.amount,
            "status": pledge.status,
            "reference": payment.reference,
            "instructions": payment.instructions,
            "redirect_url": payment.redirect_url,
        }
        return Response(PledgeOutputSerializer(body).data, status=status.HTTP_201_CREATED)


class OfferingList(generics.ListAPIView[Offering]):
    serializer_class = OfferingSerializer

    def get_queryset(self) -> Any:
        return selectors.offerings()
