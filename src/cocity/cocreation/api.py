"""REST API of co-creation (mounted under /api/cocreation/): challenges, proposals with their
versions, initiatives with their gates, milestones and indicators, and measurements. The
series of an indicator is also a CSV file (``/challenges/indicators/<id>/series.csv``)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cocity.cocreation import selectors, services
from cocity.cocreation.models import (
    Challenge,
    GateDecision,
    Indicator,
    Initiative,
    Measurement,
    Milestone,
    Proposal,
    ProposalVersion,
)
from cocity.core.errors import DomainError
from cocity.core.models import Area, Organisation
from cocity.deliberation.models import Conversation
from cocity.needs.models import Report

#: The largest id a row can have (64-bit keys); a larger number in a request is refused.
MAX_ID = 2**63 - 1

# --- serializers ------------------------------------------------------------------------------


class ChallengeSerializer(serializers.ModelSerializer[Challenge]):
    areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)  # type: ignore[var-annotated]
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)  # type: ignore[var-annotated]
    reports = serializers.PrimaryKeyRelatedField(many=True, read_only=True)  # type: ignore[var-annotated]
    conversation = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)  # type: ignore[var-annotated]

    class Meta:
        model = Challenge
        fields = [
            "id",
            "title",
            "statement",
            "most_affected",
            "areas",
            "reports",
            "conversation",
            "organisation",
            "created_at",
        ]


class ChallengeInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    statement = serializers.CharField()
    most_affected = serializers.CharField(required=False, allow_blank=True, default="")
    reports = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=200
    )
    areas = serializers.ListField(
        child=serializers.SlugField(), required=False, default=list, help_text="District codes"
    )
    conversation = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    organisation = serializers.SlugField(
        required=False, allow_blank=True, default="", help_text="The leading organisation's slug"
    )


class VersionSerializer(serializers.ModelSerializer[ProposalVersion]):
    editor = serializers.CharField(
        source="editor.public_name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ProposalVersion
        fields = ["number", "title", "body", "note", "editor", "created_at"]


class ProposalSerializer(serializers.ModelSerializer[Proposal]):
    author = serializers.CharField(
        source="author.public_name", read_only=True, default=None, allow_null=True
    )
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)  # type: ignore[var-annotated]

    class Meta:
        model = Proposal
        fields = [
            "id",
            "challenge",
            "title",
            "body",
            "author",
            "organisation",
            "version",
            "created_at",
            "updated_at",
        ]


class ProposalDetailSerializer(ProposalSerializer):
    versions = VersionSerializer(many=True, read_only=True)
    coauthors = serializers.SerializerMethodField()
    endorsements = serializers.SerializerMethodField()

    class Meta(ProposalSerializer.Meta):
        fields = [*ProposalSerializer.Meta.fields, "coauthors", "endorsements", "versions"]

    def get_coauthors(self, obj: Proposal) -> list[str]:
        return [u.public_name for u in obj.coauthors.all()]

    def get_endorsements(self, obj: Proposal) -> dict[str, int]:
        got = selectors.proposal_endorsements(obj)
        return {"people": len(got["people"]), "organisations": len(got["organisations"])}


class ProposalInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField()
    organisation = serializers.SlugField(required=False, allow_blank=True, default="")


class VersionInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MeasurementSerializer(serializers.ModelSerializer[Measurement]):
    class Meta:
        model = Measurement
        fields = ["measured_on", "value"]


class MeasurementInputSerializer(serializers.Serializer[Any]):
    measured_on = serializers.DateField()
    value = serializers.DecimalField(
        max_digits=14,
        decimal_places=3,
        required=False,
        allow_null=True,
        default=None,
        help_text="Empty for a count of reports: it is counted",
    )


class IndicatorSerializer(serializers.ModelSerializer[Indicator]):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # type: ignore[var-annotated]
    measurements = MeasurementSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "name",
            "unit",
            "baseline",
            "target",
            "target_date",
            "source",
            "category",
            "measurements",
        ]


class DecisionSerializer(serializers.ModelSerializer[GateDecision]):
    class Meta:
        model = GateDecision
        fields = ["from_stage", "to_stage", "criteria", "note", "decided_on"]


class MilestoneSerializer(serializers.ModelSerializer[Milestone]):
    class Meta:
        model = Milestone
        fields = ["id", "title", "weight", "due_on", "done_on"]


class InitiativeSerializer(serializers.ModelSerializer[Initiative]):
    challenge = serializers.IntegerField(source="proposal.challenge_id", read_only=True)

    class Meta:
        model = Initiative
        fields = ["id", "title", "stage", "proposal", "challenge", "created_at"]


class InitiativeDetailSerializer(InitiativeSerializer):
    progress = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True, read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta(InitiativeSerializer.Meta):
        fields = [
            *InitiativeSerializer.Meta.fields,
            "progress",
            "decisions",
            "milestones",
            "indicators",
        ]

    def get_progress(self, obj: Initiative) -> float:
        """Milestones' weight done, in per cent."""
        return float(selectors.initiative_progress(obj))


# --- views ------------------------------------------------------------------------------------


def _get(getter: Any, pk: int) -> Any:
    try:
        return getter(pk)
    except (Challenge.DoesNotExist, Proposal.DoesNotExist, Initiative.DoesNotExist):
        raise Http404 from None


def _organisation(slug: str) -> Organisation | None:
    if not slug:
        return None
    found = Organisation.objects.filter(slug=slug).first()
    if found is None:
        raise DomainError(_("Unknown organisation."), fields={"organisation": [_("Unknown.")]})
    return found


class ChallengeList(generics.ListAPIView[Challenge]):
    """Every challenge (GET); frame one from reports (POST: officials, organisation members)."""

    serializer_class = ChallengeSerializer

    def get_queryset(self) -> Any:
        return selectors.challenges().prefetch_related("reports")

    @extend_schema(request=ChallengeInputSerializer, responses={201: ChallengeSerializer})
    def post(self, request: Request) -> Response:
        data = ChallengeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        reports = list(Report.objects.filter(pk__in=v["reports"]))
        if len(reports) != len(set(v["reports"])):
            raise DomainError(
                _("Unknown report."), fields={"reports": [_("Unknown report number.")]}
            )
        areas = list(Area.objects.filter(code__in=v["areas"]))
        if len(areas) != len(set(v["areas"])):
            raise DomainError(
                _("Unknown district."), fields={"areas": [_("Unknown district code.")]}
            )
        conversation = None
        if v["conversation"] is not None:
            conversation = Conversation.objects.filter(pk=v["conversation"]).first()
            if conversation is None:
                raise DomainError(
                    _("Unknown conversation."), fields={"conversation": [_("Unknown.")]}
                )
        challenge = services.challenge_create(
            actor=request.user,  # type: ignore[arg-type]
            title=v["title"],
            statement=v["statement"],
            most_affected=v["most_affected"],
            reports=reports,
            areas=areas,
            conversation=conversation,
            organisation=_organisation(v["organisation"]),
        )
        return Response(ChallengeSerializer(challenge).data, status=status.HTTP_201_CREATED)


class ChallengeDetail(generics.RetrieveAPIView[Challenge]):
    serializer_class = ChallengeSerializer

    def get_queryset(self) -> Any:
        return selectors.challenges().prefetch_related("reports")


class ProposalList(generics.ListAPIView[Proposal]):
    """A challenge's proposals (GET); propose an idea (POST; the answer lists similar ones)."""

    serializer_class = ProposalSerializer

    def get_queryset(self) -> Any:
        return selectors.proposals(challenge=_get(selectors.challenge_get, self.kwargs["pk"]))

    @extend_schema(request=ProposalInputSerializer, responses={201: ProposalSerializer})
    def post(self, request: Request, pk: int) -> Response:
        challenge = _get(selectors.challenge_get, pk)
        data = ProposalInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        proposal = services.proposal_submit(
            author=request.user,  # type: ignore[arg-type]
            challenge=challenge,
            title=v["title"],
            body=v["body"],
            organisation=_organisation(v["organisation"]),
        )
        similar = selectors.similar_proposals(
            challenge=challenge, title=proposal.title, body=proposal.body, exclude=proposal.pk
        )
        body = {**ProposalSerializer(proposal).data, "similar": [p.pk for p, _ in similar]}
        return Response(body, status=status.HTTP_201_CREATED)


class ProposalDetail(generics.RetrieveAPIView[Proposal]):
    """A proposal with its co-authors, endorsement counts and every version."""

    serializer_class = ProposalDetailSerializer

    def get_queryset(self) -> Any:
        return Proposal.objects.select_related("author", "organisation").prefetch_related(
            "coauthors", "versions__editor"
        )


class ProposalVersions(APIView):
    """Every version of a proposal (GET); save a new one (POST: its author and co-authors)."""

    @extend_schema(responses=VersionSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        proposal = _get(selectors.proposal_get, pk)
        return Response(VersionSerializer(selectors.proposal_versions(proposal), many=True).data)

    @extend_schema(request=VersionInputSerializer, responses={201: VersionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        proposal = _get(selectors.proposal_get, pk)
        data = VersionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.proposal_edit(
            proposal=proposal,
            editor=request.user,  # type: ignore[arg-type]
            **data.validated_data,
        )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)


class InitiativeList(generics.ListAPIView[Initiative]):
    serializer_class = InitiativeSerializer

    def get_queryset(self) -> Any:
        return selectors.initiatives()


class InitiativeDetail(APIView):
    """An initiative: its stage, gate decisions, milestones, progress, indicators and values."""

    @extend_schema(responses=InitiativeDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(InitiativeDetailSerializer(_get(selectors.initiative_get, pk)).data)


class MeasurementList(APIView):
    """An indicator's measured series (GET); record a value (POST: officials)."""

    def _indicator(self, pk: int) -> Indicator:
        indicator = Indicator.objects.select_related("initiative__proposal__challenge").filter(
            pk=pk
        )
        found = indicator.first()
        if found is None:
            raise Http404
        return found

    @extend_schema(responses=MeasurementSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        indicator = self._indicator(pk)
        rows = indicator.measurements.order_by("measured_on")
        return Response(MeasurementSerializer(rows, many=True).data)

    @extend_schema(request=MeasurementInputSerializer, responses={201: MeasurementSerializer})
    def post(self, request: Request, pk: int) -> Response:
        indicator = self._indicator(pk)
        data = MeasurementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        measurement = services.measurement_record(
            indicator=indicator,
            actor=request.user,  # type: ignore[arg-type]
            **data.validated_data,
        )
        return Response(MeasurementSerializer(measurement).data, status=status.HTTP_201_CREATED)
