"""REST API of co-creation (mounted under /api/cocreation/): challenges, proposals with their
versions, initiatives with their gates, milestones and indicators, and measurements. The
series of an indicator is also a CSV file (``/challenges/indicators/<id>/series.csv``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotAuthenticated
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
    Meeting,
    Milestone,
    Proposal,
    ProposalAmendment,
    ProposalVersion,
)
from cocity.core.errors import DomainError, or_404
from cocity.core.models import Area, Organisation
from cocity.deliberation.models import Conversation
from cocity.needs.models import Report, ServiceCategory

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
            "quantity",
            "measurements",
        ]


class SurveyResultSerializer(serializers.Serializer[Any]):
    answers = serializers.IntegerField()
    mean_rating = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)
    go_ahead = serializers.IntegerField(help_text="Answers saying it should go ahead")
    hold_back = serializers.IntegerField(help_text="Answers saying it should not")
    comments = serializers.ListField(child=serializers.CharField())


class DecisionSerializer(serializers.ModelSerializer[GateDecision]):
    survey = serializers.SerializerMethodField()

    class Meta:
        model = GateDecision
        fields = ["from_stage", "to_stage", "criteria", "note", "decided_on", "survey"]

    @extend_schema_field(SurveyResultSerializer(allow_null=True))
    def get_survey(self, obj: GateDecision) -> Any:
        """The residents' survey answered before this decision."""
        result = selectors.survey_result(list(obj.survey_responses.all()))
        return SurveyResultSerializer(result).data if result.answers else None


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


class TimelineEventSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField(help_text="When the step happened.")
    kind = serializers.ChoiceField(choices=selectors.KIND_ORDER, help_text="The kind of step.")
    text = serializers.CharField(help_text="The step's own title, in the request's language.")
    link = serializers.CharField(allow_blank=True, help_text="The step's page on this site.")
    detail = serializers.CharField(allow_blank=True, help_text="More about the step, if any.")


# --- views ------------------------------------------------------------------------------------


def _organisation(slug: str) -> Organisation | None:
    if not slug:
        return None
    found = Organisation.objects.filter(slug=slug).first()
    if found is None:
        raise DomainError(_("Unknown organisation."), fields={"organisation": [_("Unknown.")]})
    return found


def validated_input(
    serializer: type[serializers.Serializer[Any]],
    request: Request,
    organisation: Callable[[str], Organisation | None] = _organisation,
) -> dict[str, Any]:
    """The request's body checked by ``serializer`` (a 400 problem when it does not fit), with
    the organisation's slug, if any, read as the organisation by ``organisation(slug)``."""
    data = serializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = dict(data.validated_data)
    if "organisation" in values:
        values["organisation"] = organisation(values["organisation"])
    return values


class ChallengeList(generics.ListAPIView[Challenge]):
    """Every challenge (GET); frame one from reports (POST: officials, organisation members)."""

    serializer_class = ChallengeSerializer

    def get_queryset(self) -> Any:
        return selectors.challenges().prefetch_related("reports")

    @extend_schema(request=ChallengeInputSerializer, responses={201: ChallengeSerializer})
    def post(self, request: Request) -> Response:
        v = validated_input(ChallengeInputSerializer, request)
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
            organisation=v["organisation"],
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
        return selectors.proposals(challenge=or_404(selectors.challenge_get, self.kwargs["pk"]))

    @extend_schema(request=ProposalInputSerializer, responses={201: ProposalSerializer})
    def post(self, request: Request, pk: int) -> Response:
        challenge = or_404(selectors.challenge_get, pk)
        proposal = services.proposal_submit(
            author=request.user,  # type: ignore[arg-type]
            challenge=challenge,
            **validated_input(ProposalInputSerializer, request),
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
        proposal = or_404(selectors.proposal_get, pk)
        return Response(VersionSerializer(selectors.proposal_versions(proposal), many=True).data)

    @extend_schema(request=VersionInputSerializer, responses={201: VersionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        proposal = or_404(selectors.proposal_get, pk)
        version = services.proposal_edit(
            proposal=proposal,
            editor=request.user,  # type: ignore[arg-type]
            **validated_input(VersionInputSerializer, request),
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
        return Response(InitiativeDetailSerializer(or_404(selectors.initiative_get, pk)).data)


class InitiativeTimeline(APIView):
    """An initiative's public timeline in order of time: reports → challenge → meetings,
    proposals and amendments → gate decisions and budget wins → milestones → measurements."""

    @extend_schema(responses=TimelineEventSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        initiative = or_404(selectors.initiative_get, pk)
        events = selectors.initiative_timeline(initiative)
        return Response(TimelineEventSerializer(events, many=True).data)


class MeasurementList(APIView):
    """An indicator's measured series (GET); record a value (POST: officials)."""

    def _indicator(self, pk: int) -> Indicator:
        return or_404(
            Indicator.objects.select_related("initiative__proposal__challenge").get, pk=pk
        )

    @extend_schema(responses=MeasurementSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        indicator = self._indicator(pk)
        rows = indicator.measurements.order_by("measured_on")
        return Response(MeasurementSerializer(rows, many=True).data)

    @extend_schema(request=MeasurementInputSerializer, responses={201: MeasurementSerializer})
    def post(self, request: Request, pk: int) -> Response:
        indicator = self._indicator(pk)
        measurement = services.measurement_record(
            indicator=indicator,
            actor=request.user,  # type: ignore[arg-type]
            **validated_input(MeasurementInputSerializer, request),
        )
        return Response(MeasurementSerializer(measurement).data, status=status.HTTP_201_CREATED)


# --- amendments -------------------------------------------------------------------------------


class AmendmentSerializer(serializers.ModelSerializer[ProposalAmendment]):
    author = serializers.CharField(
        source="author.public_name", read_only=True, default=None, allow_null=True
    )
    version = serializers.IntegerField(
        source="version.number", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ProposalAmendment
        fields = [
            "id",
            "proposal",
            "title",
            "body",
            "reason",
            "author",
            "based_on",
            "status",
            "version",
            "rejection_reason",
            "created_at",
            "decided_at",
        ]


class AmendmentInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AmendmentDecisionSerializer(serializers.Serializer[Any]):
    accept = serializers.BooleanField()
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required to reject"
    )


class AmendmentList(APIView):
    """A proposal's amendments (GET); propose one (POST: anyone signed in but its authors)."""

    @extend_schema(responses=AmendmentSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        proposal = or_404(selectors.proposal_get, pk)
        return Response(AmendmentSerializer(selectors.amendments(proposal), many=True).data)

    @extend_schema(request=AmendmentInputSerializer, responses={201: AmendmentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        proposal = or_404(selectors.proposal_get, pk)
        amendment = services.amendment_propose(
            proposal=proposal,
            author=request.user,  # type: ignore[arg-type]
            **validated_input(AmendmentInputSerializer, request),
        )
        return Response(AmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)


class AmendmentDecide(APIView):
    """The proposal's authors accept an amendment (a new version) or reject it with a reason."""

    @extend_schema(request=AmendmentDecisionSerializer, responses=AmendmentSerializer)
    def post(self, request: Request, pk: int) -> Response:
        amendment = or_404(selectors.amendment_get, pk)
        amendment = services.amendment_decide(
            amendment=amendment,
            actor=request.user,  # type: ignore[arg-type]
            **validated_input(AmendmentDecisionSerializer, request),
        )
        return Response(AmendmentSerializer(amendment).data)


# --- meetings ---------------------------------------------------------------------------------


class MeetingSerializer(serializers.ModelSerializer[Meeting]):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)  # type: ignore[var-annotated]
    proposals = serializers.PrimaryKeyRelatedField(many=True, read_only=True)  # type: ignore[var-annotated]
    registered = serializers.SerializerMethodField()
    waiting = serializers.SerializerMethodField()
    attended = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "challenge",
            "title",
            "agenda",
            "format",
            "starts_at",
            "ends_at",
            "place",
            "accessibility",
            "online_url",
            "capacity",
            "organisation",
            "registered",
            "waiting",
            "attended",
            "minutes",
            "proposals",
        ]

    def _count(self, obj: Meeting, **where: Any) -> int:
        return obj.registrations.filter(**where).count()

    def get_registered(self, obj: Meeting) -> int:
        return self._count(obj, waiting=False)

    def get_waiting(self, obj: Meeting) -> int:
        return self._count(obj, waiting=True)

    def get_attended(self, obj: Meeting) -> int:
        return self._count(obj, attended=True)


class MeetingInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    agenda = serializers.CharField()
    format = serializers.ChoiceField(choices=Meeting.Format.choices, default="in_person")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    accessibility = serializers.CharField(required=False, allow_blank=True, default="")
    online_url = serializers.URLField(required=False, allow_blank=True, default="")
    capacity = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    organisation = serializers.SlugField(required=False, allow_blank=True, default="")


class MeetingList(generics.ListAPIView[Meeting]):
    """A challenge's meetings and workshops (GET); call one (POST: officials, organisations)."""

    serializer_class = MeetingSerializer

    def get_queryset(self) -> Any:
        challenge = or_404(selectors.challenge_get, self.kwargs["pk"])
        return selectors.meetings(challenge=challenge).prefetch_related("proposals")

    @extend_schema(request=MeetingInputSerializer, responses={201: MeetingSerializer})
    def post(self, request: Request, pk: int) -> Response:
        challenge = or_404(selectors.challenge_get, pk)
        meeting = services.meeting_create(
            challenge=challenge,
            actor=request.user,  # type: ignore[arg-type]
            **validated_input(MeetingInputSerializer, request),
        )
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


class MeetingDetail(APIView):
    """A meeting with its places taken, waiting list, attendance, minutes and outcomes."""

    @extend_schema(responses=MeetingSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(MeetingSerializer(or_404(selectors.meeting_get, pk)).data)


class RegistrationSerializer(serializers.Serializer[Any]):
    waiting = serializers.BooleanField(help_text="On the waiting list: the meeting was full")


class MeetingRegister(APIView):
    """Register for a meeting (POST; on the waiting list when full) or cancel (DELETE)."""

    @extend_schema(request=None, responses={201: RegistrationSerializer})
    def post(self, request: Request, pk: int) -> Response:
        meeting = or_404(selectors.meeting_get, pk)
        registration = services.meeting_register(meeting=meeting, user=request.user)  # type: ignore[arg-type]
        return Response({"waiting": registration.waiting}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        meeting = or_404(selectors.meeting_get, pk)
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        if not services.meeting_unregister(meeting=meeting, user=request.user):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- gate surveys -----------------------------------------------------------------------------


class SurveyInputSerializer(serializers.Serializer[Any]):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    go_ahead = serializers.BooleanField()
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class SurveyAnswer(APIView):
    """The open survey of an initiative's next gate: its results so far (GET); answer (POST)."""

    @extend_schema(responses=SurveyResultSerializer)
    def get(self, request: Request, pk: int) -> Response:
        initiative = or_404(selectors.initiative_get, pk)
        open_answers = list(initiative.survey_responses.filter(decision__isnull=True))
        return Response(SurveyResultSerializer(selectors.survey_result(open_answers)).data)

    @extend_schema(request=SurveyInputSerializer, responses={201: None})
    def post(self, request: Request, pk: int) -> Response:
        initiative = or_404(selectors.initiative_get, pk)
        services.survey_answer(
            initiative=initiative,
            user=request.user,  # type: ignore[arg-type]
            **validated_input(SurveyInputSerializer, request),
        )
        return Response(status=status.HTTP_201_CREATED)


# --- goals: an indicator's definition, while goals are open -----------------------------------


class IndicatorInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False)
    unit = serializers.CharField(max_length=40, required=False)
    baseline = serializers.DecimalField(max_digits=14, decimal_places=3, required=False)
    target = serializers.DecimalField(max_digits=14, decimal_places=3, required=False)
    target_date = serializers.DateField(required=False)
    source = serializers.ChoiceField(choices=Indicator.Source.choices, required=False)  # type: ignore[assignment]
    category = serializers.SlugField(required=False, help_text="A report category's code")
    quantity = serializers.CharField(max_length=40, required=False, allow_blank=True)


class IndicatorDetail(APIView):
    """An indicator with its series (GET); change its definition (PATCH: officials, only
    before the pilot starts or while iterating; else 409 ``goals_fixed``)."""

    def _indicator(self, pk: int) -> Indicator:
        return or_404(Indicator.objects.select_related("initiative", "category").get, pk=pk)

    @extend_schema(responses=IndicatorSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(IndicatorSerializer(self._indicator(pk)).data)

    @extend_schema(request=IndicatorInputSerializer, responses=IndicatorSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        indicator = self._indicator(pk)
        changes = validated_input(IndicatorInputSerializer, request)
        if "category" in changes:
            category = ServiceCategory.objects.filter(code=changes["category"]).first()
            if category is None:
                raise DomainError(_("Unknown category."), fields={"category": [_("Unknown.")]})
            changes["category"] = category
        indicator = services.indicator_edit(
            indicator=indicator,
            actor=request.user,  # type: ignore[arg-type]
            **changes,
        )
        return Response(IndicatorSerializer(indicator).data)
