"""REST API of co-written plans (mounted under /api/cocreation/plans/): plans and their sections,
comments and amendments on a section, support, officials' decisions, published versions with
their changes and the contributions that caused them."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cocity.cocreation.api import validated_input
from cocity.cocreation.models_plans import (
    Amendment,
    Plan,
    PlanComment,
    PlanSection,
    PlanVersion,
)
from cocity.cocreation.plans import selectors, services
from cocity.core.errors import DomainError, NotAllowed, or_404
from cocity.core.models import Organisation
from cocity.core.schema import problems

MAX_ID = 2**63 - 1


def _who(obj: Any) -> str | None:
    if obj.organisation is not None:
        return str(obj.organisation.name)
    return obj.author.public_name if obj.author is not None else None


class SectionSerializer(serializers.ModelSerializer[PlanSection]):
    class Meta:
        model = PlanSection
        fields = ["id", "position", "level", "heading", "body"]


class VersionSummarySerializer(serializers.ModelSerializer[PlanVersion]):
    class Meta:
        model = PlanVersion
        fields = ["number", "note", "created_at"]


class PlanSerializer(serializers.ModelSerializer[Plan]):
    class Meta:
        model = Plan
        fields = ["id", "title", "intro", "open", "version", "created_at"]


class PlanDetailSerializer(PlanSerializer):
    sections = SectionSerializer(many=True, read_only=True)
    versions = VersionSummarySerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "sections", "versions"]


class PlanInputSerializer(serializers.Serializer[Any]):
    markdown = serializers.CharField(max_length=services.MARKDOWN_MAX_LENGTH)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CommentSerializer(serializers.ModelSerializer[PlanComment]):
    """A comment; one a moderator hid keeps its id, author and date, with ``hidden`` true and
    the moderator's ``hidden_reason`` in place of its text."""

    author = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    quote = serializers.SerializerMethodField()
    hidden = serializers.BooleanField(read_only=True)

    class Meta:
        model = PlanComment
        fields = [
            "id",
            "section",
            "author",
            "body",
            "quote",
            "quote_start",
            "applied_in",
            "created_at",
            "hidden",
            "hidden_reason",
        ]

    def get_author(self, obj: PlanComment) -> str | None:
        return _who(obj)

    def get_body(self, obj: PlanComment) -> str:
        return "" if obj.hidden else obj.body

    def get_quote(self, obj: PlanComment) -> str:
        return "" if obj.hidden else obj.quote


class FlagInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class FlagSerializer(serializers.Serializer[Any]):
    flagged = serializers.BooleanField(help_text="False if you had flagged it already")


class FollowSerializer(serializers.Serializer[Any]):
    follow = serializers.BooleanField(default=True)


class FollowingSerializer(serializers.Serializer[Any]):
    following = serializers.BooleanField()


class PositionInputSerializer(serializers.Serializer[Any]):
    position = serializers.IntegerField(min_value=1, help_text="1: first")


class _PassageInput(serializers.Serializer[Any]):
    quote = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    quote_start = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=10_000_000
    )
    organisation = serializers.SlugField(
        required=False, allow_blank=True, default="", help_text="Speak for this organisation"
    )


class CommentInputSerializer(_PassageInput):
    body = serializers.CharField(max_length=services.COMMENT_MAX_LENGTH)


class PlanAmendmentSerializer(serializers.ModelSerializer[Amendment]):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Amendment
        fields = [
            "id",
            "section",
            "author",
            "quote",
            "quote_start",
            "text",
            "reason",
            "status",
            "supporters",
            "decision_reason",
            "decided_at",
            "applied_in",
            "created_at",
        ]

    def get_author(self, obj: Amendment) -> str | None:
        return _who(obj)


class PlanAmendmentInputSerializer(_PassageInput):
    text = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.TEXT_MAX_LENGTH
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SupportInputSerializer(serializers.Serializer[Any]):
    support = serializers.BooleanField(default=True)


class DecisionInputSerializer(serializers.Serializer[Any]):
    accept = serializers.BooleanField()
    reason = serializers.CharField(max_length=1000)


class PublishInputSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ChangeSerializer(serializers.Serializer[Any]):
    section = serializers.IntegerField(source="id")
    heading = serializers.CharField()
    body = serializers.CharField()
    changed = serializers.BooleanField()
    diff = serializers.SerializerMethodField()
    amendments = serializers.SerializerMethodField()
    comments = serializers.SerializerMethodField()
    mine = serializers.BooleanField()

    def get_diff(self, obj: dict[str, Any]) -> list[dict[str, str]]:
        return [{"op": s.op, "text": s.text} for s in obj["diff"] or []]

    def get_amendments(self, obj: dict[str, Any]) -> list[int]:
        return [a.pk for a in obj["amendments"]]

    def get_comments(self, obj: dict[str, Any]) -> list[int]:
        return [c.pk for c in obj["comments"]]


class PlanVersionSerializer(serializers.ModelSerializer[PlanVersion]):
    class Meta:
        model = PlanVersion
        fields = ["number", "title", "intro", "note", "created_at"]


class PlanVersionDetailSerializer(PlanVersionSerializer):
    sections = ChangeSerializer(many=True, read_only=True)

    class Meta(PlanVersionSerializer.Meta):
        fields = [*PlanVersionSerializer.Meta.fields, "sections"]


class GroupSerializer(serializers.Serializer[Any]):
    size = serializers.IntegerField()
    comment = serializers.IntegerField(help_text="The id of the group's first comment")
    example = serializers.CharField(help_text="The group's first comment")
    words = serializers.ListField(child=serializers.CharField())


class GroupsSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField(help_text="How many groups the section's comments form")
    groups = GroupSerializer(many=True, help_text="The largest groups, largest first")


def _allowed(request: Request, perm: str) -> None:
    """Refuse before reading the body, so a caller without the right learns only that."""
    if not request.user.has_perm(perm):
        raise NotAllowed()


def _organisation(slug: str) -> Organisation | None:
    if not slug:
        return None
    found = Organisation.objects.filter(slug=slug).first()
    if found is None:
        message = _("No organisation with this name.")
        raise DomainError(message, code="unknown_organisation", fields={"organisation": [message]})
    return found


#: The request's checked body; an unknown organisation is refused in the plans' words.
_input = partial(validated_input, organisation=_organisation)


class PlanList(generics.ListAPIView[Plan]):
    """The plans (GET); publish a draft from Markdown (POST: officials)."""

    serializer_class = PlanSerializer

    def get_queryset(self) -> Any:
        return selectors.plans().order_by("-created_at", "-id")

    @extend_schema(
        request=PlanInputSerializer, responses={201: PlanDetailSerializer, **problems(403)}
    )
    def post(self, request: Request) -> Response:
        _allowed(request, "cocreation.manage_plan")
        plan = services.plan_import(actor=request.user, **_input(PlanInputSerializer, request))  # type: ignore[arg-type]
        return Response(PlanDetailSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanDetail(generics.RetrieveAPIView[Plan]):
    """A plan with its sections (their working text) and its versions."""

    serializer_class = PlanDetailSerializer

    def get_object(self) -> Plan:
        return or_404(selectors.plan_get, self.kwargs["pk"])


class SectionComments(generics.ListAPIView[PlanComment]):
    """A section's comments, newest first (GET); comment (POST: signed-in people)."""

    serializer_class = CommentSerializer

    def get_queryset(self) -> Any:
        return selectors.section_comments(
            or_404(selectors.section_get, self.kwargs["pk"])
        ).order_by("-created_at", "-id")

    @extend_schema(
        request=CommentInputSerializer, responses={201: CommentSerializer, **problems(403, 409)}
    )
    def post(self, request: Request, pk: int) -> Response:
        _allowed(request, "cocreation.contribute_plan")
        section = or_404(selectors.section_get, pk)
        comment = services.plan_comment_add(
            section=section,
            author=request.user,  # type: ignore[arg-type]
            **_input(CommentInputSerializer, request),
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class SectionGroups(APIView):
    """A section's comments grouped by similar words: ``count`` (all groups) and the largest
    ``groups``, each with its ``size``, first ``comment`` (id), ``example`` and shared ``words``."""

    @extend_schema(responses=GroupsSerializer)
    def get(self, request: Request, pk: int) -> Response:
        section = or_404(selectors.section_get, pk)
        return Response(GroupsSerializer(selectors.comment_groups(section)).data)


class SectionAmendments(generics.ListAPIView[Amendment]):
    """A section's amendments, most supported first (GET); propose one (POST)."""

    serializer_class = PlanAmendmentSerializer

    def get_queryset(self) -> Any:
        return selectors.section_amendments(or_404(selectors.section_get, self.kwargs["pk"]))

    @extend_schema(
        request=PlanAmendmentInputSerializer,
        responses={201: PlanAmendmentSerializer, **problems(403, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        _allowed(request, "cocreation.contribute_plan")
        section = or_404(selectors.section_get, pk)
        amendment = services.amendment_propose(
            section=section,
            author=request.user,  # type: ignore[arg-type]
            **_input(PlanAmendmentInputSerializer, request),
        )
        return Response(PlanAmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)


class AmendmentSupportView(APIView):
    """Support an open amendment, or withdraw the support (``{"support": false}``)."""

    @extend_schema(
        request=SupportInputSerializer,
        responses={200: PlanAmendmentSerializer, **problems(403, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        _allowed(request, "cocreation.contribute_plan")
        amendment = or_404(selectors.amendment_get, pk)
        services.amendment_support(
            amendment=amendment,
            user=request.user,  # type: ignore[arg-type]
            **_input(SupportInputSerializer, request),
        )
        return Response(PlanAmendmentSerializer(amendment).data)


class AmendmentDecision(APIView):
    """Accept or reject an open amendment with a reason (officials)."""

    @extend_schema(
        request=DecisionInputSerializer,
        responses={200: PlanAmendmentSerializer, **problems(403, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        _allowed(request, "cocreation.manage_plan")
        amendment = or_404(selectors.amendment_get, pk)
        decided = services.amendment_decide(
            amendment=amendment,
            actor=request.user,  # type: ignore[arg-type]
            **_input(DecisionInputSerializer, request),
        )
        return Response(PlanAmendmentSerializer(decided).data)


class PlanVersions(APIView):
    """The plan's versions (GET); publish the working text as the next version (POST:
    officials)."""

    @extend_schema(responses=PlanVersionSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        versions = selectors.plan_versions(or_404(selectors.plan_get, pk))
        return Response(PlanVersionSerializer(versions, many=True).data)

    @extend_schema(
        request=PublishInputSerializer, responses={201: PlanVersionSerializer, **problems(403, 409)}
    )
    def post(self, request: Request, pk: int) -> Response:
        _allowed(request, "cocreation.manage_plan")
        plan = or_404(selectors.plan_get, pk)
        version = services.plan_publish(
            plan=plan,
            actor=request.user,  # type: ignore[arg-type]
            **_input(PublishInputSerializer, request),
        )
        return Response(PlanVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class PlanVersionDetail(APIView):
    """One version: each section with its word diff to the version before and the ids of the
    amendments and comments that caused the change (``mine``: the caller's own among them)."""

    @extend_schema(responses=PlanVersionDetailSerializer)
    def get(self, request: Request, pk: int, number: int) -> Response:
        version = or_404(selectors.version_get, or_404(selectors.plan_get, pk), number)
        changes = selectors.version_changes(version, request.user)
        return Response(
            {
                **PlanVersionSerializer(version).data,
                "sections": ChangeSerializer(changes, many=True).data,
            }
        )


class CommentFlag(APIView):
    """Flag a comment for the moderators (signed-in people, once per comment; not your own),
    with an optional ``reason``. Moderators settle flags on the moderation page."""

    @extend_schema(
        request=FlagInputSerializer, responses={200: FlagSerializer, **problems(403, 409)}
    )
    def post(self, request: Request, pk: int) -> Response:
        _allowed(request, "cocreation.contribute_plan")
        comment = or_404(selectors.comment_get, pk)
        data = FlagInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        flagged = services.plan_comment_flag(
            comment=comment,
            user=request.user,  # type: ignore[arg-type]
            reason=data.validated_data["reason"],
        )
        return Response({"flagged": flagged})


class PlanFollowView(APIView):
    """Whether you follow the plan (GET); follow it, or unfollow it with ``{"follow": false}``
    (POST). Followers are told of each new version and when the plan opens or closes."""

    @extend_schema(responses={200: FollowingSerializer, **problems(403)})
    def get(self, request: Request, pk: int) -> Response:
        _allowed(request, "core.participate")
        plan = or_404(selectors.plan_get, pk)
        return Response({"following": selectors.is_plan_follower(plan=plan, user=request.user)})

    @extend_schema(request=FollowSerializer, responses={200: FollowingSerializer, **problems(403)})
    def post(self, request: Request, pk: int) -> Response:
        _allowed(request, "core.participate")
        plan = or_404(selectors.plan_get, pk)
        data = FollowSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        follow = data.validated_data["follow"]
        services.plan_follow(plan=plan, user=request.user, follow=follow)  # type: ignore[arg-type]
        return Response({"following": follow})


class SectionPosition(APIView):
    """Move a section to ``position`` (1: first) among its plan's sections (officials); the
    sections between shift by one. The new order is published with the next version."""

    @extend_schema(
        request=PositionInputSerializer, responses={200: SectionSerializer, **problems(403)}
    )
    def post(self, request: Request, pk: int) -> Response:
        _allowed(request, "cocreation.manage_plan")
        section = or_404(selectors.section_get, pk)
        data = PositionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moved = services.section_move(
            section=section,
            actor=request.user,  # type: ignore[arg-type]
            position=data.validated_data["position"],
        )
        return Response(SectionSerializer(moved).data)
