"""REST API of deliberation (mounted under /api/conversations/)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cocity.core.schema import problems
from cocity.deliberation import selectors, services
from cocity.deliberation.http import anonymous_guard, session_key
from cocity.deliberation.models import Conversation, Statement, Vote


class ConversationSerializer(serializers.ModelSerializer[Conversation]):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # type: ignore[var-annotated]
    need = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)  # type: ignore[var-annotated]
    is_open = serializers.BooleanField(read_only=True)
    n_statements = serializers.IntegerField(read_only=True)
    n_participants = serializers.IntegerField(read_only=True)
    n_votes = serializers.IntegerField(read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "topic",
            "description",
            "area",
            "need",
            "opens_at",
            "closes_at",
            "allow_anonymous",
            "is_open",
            "source",
            "attribution",
            "n_statements",
            "n_participants",
            "n_votes",
        ]


class StatementSerializer(serializers.ModelSerializer[Statement]):
    id = serializers.IntegerField(source="number", read_only=True)

    class Meta:
        model = Statement
        fields = ["id", "body", "status", "is_seed", "created_at"]


class StatementCreatedSerializer(StatementSerializer):
    similar = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Ids of statements that say much the same",
    )

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "similar"]


class VoteInputSerializer(serializers.Serializer[Any]):
    statement = serializers.IntegerField(help_text="Statement id (its number in the conversation)")
    vote = serializers.CharField(help_text="1 / agree, -1 / disagree, 0 / pass")


class VoteSerializer(serializers.Serializer[Any]):
    statement = serializers.IntegerField(help_text="Statement id (its number in the conversation)")
    vote = serializers.ChoiceField(
        choices=Vote.Value.choices, help_text="1 agree, -1 disagree, 0 pass"
    )


class ResultsGroupSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    size = serializers.IntegerField()
    representative = serializers.ListField(child=serializers.DictField())


class ResultsSerializer(serializers.Serializer[Any]):
    """The latest analysis; before the first one, only ``k`` (0), ``groups`` and ``consensus``."""

    computed_at = serializers.DateTimeField(required=False)
    parameters = serializers.DictField(required=False)
    k = serializers.IntegerField(min_value=0)
    n_participants = serializers.IntegerField(required=False)
    n_clustered = serializers.IntegerField(required=False)
    n_statements = serializers.IntegerField(required=False)
    n_votes = serializers.IntegerField(required=False)
    groups = ResultsGroupSerializer(many=True)
    consensus = serializers.DictField(child=serializers.ListField(child=serializers.DictField()))
    labels = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text="Participant → group"
    )
    projections = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()),
        required=False,
        help_text="[participant, x, y, group (-1: not clustered)] per participant",
    )


class StatementInputSerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=1000, allow_blank=True)


def _conversation(pk: int) -> Conversation:
    try:
        return selectors.conversation_get(pk)
    except Conversation.DoesNotExist:
        raise Http404 from None


class ConversationList(generics.ListAPIView[Conversation]):
    serializer_class = ConversationSerializer
    queryset = selectors.conversations()


class ConversationDetail(generics.RetrieveAPIView[Conversation]):
    serializer_class = ConversationSerializer
    queryset = selectors.conversations()


def _user(request: Request) -> Any:
    return request.user if request.user.is_authenticated else None


class StatementList(APIView):
    """Accepted statements (GET); add a statement (POST; moderated unless you may seed).

    Without an account, POST works where the conversation allows anonymous participation: the
    session cookie of the response names the participant (send it back)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=StatementSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        statements = selectors.statements_accepted(_conversation(pk))
        return Response(StatementSerializer(statements, many=True).data)

    @extend_schema(
        request=StatementInputSerializer,
        responses={201: StatementCreatedSerializer, **problems(409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = StatementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = _conversation(pk)
        anonymous_guard(request, conversation, "statement")
        statement = services.statement_submit(
            conversation=conversation,
            body=data.validated_data["body"],
            user=_user(request),
            session_key=session_key(request, create=True),
        )
        similar = selectors.similar_statements(
            statement.conversation, statement.body, exclude=statement.pk
        )
        body = {**StatementSerializer(statement).data, "similar": [s.number for s in similar]}
        return Response(body, status=status.HTTP_201_CREATED)


class VoteCreate(APIView):
    """Vote on a statement; voting again replaces your earlier vote.

    Without an account, voting works where the conversation allows anonymous participation: the
    session cookie of the response names the participant (send it back to vote as the same one)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=VoteInputSerializer, responses={200: VoteSerializer, **problems(409, 429)}
    )
    def post(self, request: Request, pk: int) -> Response:
        data = VoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = _conversation(pk)
        statement = Statement.objects.filter(
            conversation=conversation, number=data.validated_data["statement"]
        ).first()
        if statement is None:
            raise Http404
        anonymous_guard(request, conversation, "vote")
        vote = services.vote_cast(
            statement=statement,
            value=data.validated_data["vote"],
            user=_user(request),
            session_key=session_key(request, create=True),
        )
        return Response({"statement": statement.number, "vote": vote.value})


class Results(APIView):
    """The latest analysis: groups, their representative statements, consensus, the map."""

    @extend_schema(responses=ResultsSerializer)
    def get(self, request: Request, pk: int) -> Response:
        data = selectors.results(_conversation(pk))
        if data is None:
            return Response({"k": 0, "groups": [], "consensus": {"agree": [], "disagree": []}})
        a = data["analysis"]
        return Response(
            {
                "computed_at": a.computed_at,
                "parameters": a.parameters,
                "k": a.k,
                "n_participants": a.n_participants,
                "n_clustered": a.n_clustered,
                "n_statements": a.n_statements,
                "n_votes": a.n_votes,
                "groups": [
                    {"id": g.number, "size": g.size, "representative": g.representative}
                    for g in data["groups"]
                ],
                "consensus": data["consensus"],
                "labels": a.labels,
                "projections": a.projections,
            }
        )
