"""Reads of deliberation: querysets with related rows joined, counts as subqueries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from cocity.core.models import User
from cocity.core.selectors import ACCOUNT_ROWS, ACCOUNT_SECTIONS, AccountSection
from cocity.deliberation.models import (
    AnalysisResult,
    Conversation,
    Participant,
    Statement,
    Vote,
)


def _count(model: Any, **filters: Any) -> Coalesce:
    sub = (
        model.objects.filter(conversation=OuterRef("pk"), **filters)
        .order_by()
        .values("conversation")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def conversations() -> QuerySet[Conversation]:
    """All conversations with their participation counts."""
    return Conversation.objects.select_related("area", "need__category").annotate(
        n_statements=_count(Statement, status=Statement.Status.ACCEPTED),
        n_pending=_count(Statement, status=Statement.Status.PENDING),
        n_participants=_count(Participant),
        n_votes=_count(Vote),
    )


def conversation_get(pk: int) -> Conversation:
    return conversations().get(pk=pk)


def statements_accepted(conversation: Conversation) -> QuerySet[Statement]:
    return conversation.statements.filter(status=Statement.Status.ACCEPTED).order_by("number")


def statements_pending(conversation: Conversation) -> QuerySet[Statement]:
    return (
        conversation.statements.filter(status=Statement.Status.PENDING)
        .select_related("author")
        .order_by("created_at", "number")
    )


def participant_find(
    conversation: Conversation, *, user: User | None, session_key: str = ""
) -> Participant | None:
    if user is not None and user.is_authenticated:
        return Participant.objects.filter(conversation=conversation, user=user).first()
    if session_key:
        return Participant.objects.filter(
            conversation=conversation, session_key=session_key
        ).first()
    return None


def analysis_latest(conversation: Conversation) -> AnalysisResult | None:
    return AnalysisResult.objects.filter(conversation=conversation).first()


def next_statement(conversation: Conversation, participant: Participant | None) -> Statement | None:
    """The accepted statement to show next: statements newer than the last analysis first
    (Polis shows new statements early), then by the engine's comment priority."""
    unseen = statements_accepted(conversation)
    if participant is not None:
        unseen = unseen.exclude(votes__participant=participant)
    candidates = list(unseen.only("pk", "number", "body", "conversation_id"))
    if not candidates:
        return None
    analysis = analysis_latest(conversation)
    priority: dict[str, float] = analysis.priority if analysis else {}

    def rank(s: Statement) -> tuple[int, float, int]:
        p = priority.get(str(s.number))
        return (0 if p is None else 1, -(p or 0.0), s.number)

    return min(candidates, key=rank)


def vote_progress(conversation: Conversation, participant: Participant | None) -> tuple[int, int]:
    """(statements this participant voted on, accepted statements)."""
    total = statements_accepted(conversation).count()
    if participant is None:
        return 0, total
    done = participant.votes.filter(statement__status=Statement.Status.ACCEPTED).count()
    return done, total


# --- results ----------------------------------------------------------------------------------


@dataclass
class GroupView:
    number: int
    size: int
    colour: str
    representative: list[dict[str, Any]] = field(default_factory=list)


#: Statements at least this similar (difflib ratio) trigger the near-duplicate warning.
SIMILARITY = 0.75

PALETTE = ["#1b6ca8", "#c0392b", "#1e8449", "#8e44ad", "#b9770e", "#5d6d7e"]


def results(conversation: Conversation) -> dict[str, Any] | None:
    """Everything the results page and API show, from the latest stored analysis."""
    analysis = analysis_latest(conversation)
    if analysis is None:
        return None
    bodies = dict(conversation.statements.values_list("number", "body"))
    sizes: dict[int, int] = {}
    for group in analysis.labels.values():
        sizes[group] = sizes.get(group, 0) + 1
    groups = []
    for g in range(analysis.k):
        view = GroupView(number=g, size=sizes.get(g, 0), colour=PALETTE[g % len(PALETTE)])
        for rep in analysis.repness.get(str(g), []):
            counts = analysis.group_votes.get(str(rep["statement"]), [])
            na, nd, ns = counts[g] if g < len(counts) else (0, 0, 0)
            view.representative.append(
                {
                    **rep,
                    "body": bodies.get(rep["statement"], ""),
                    "agree_pct": round(100 * na / ns) if ns else 0,
                    "disagree_pct": round(100 * nd / ns) if ns else 0,
                    "n_seen": ns,
                }
            )
        groups.append(view)

    def overall(number: int) -> dict[str, Any]:
        counts = analysis.group_votes.get(str(number), [])
        na = sum(c[0] for c in counts)
        nd = sum(c[1] for c in counts)
        ns = sum(c[2] for c in counts)
        return {
            "statement": number,
            "body": bodies.get(number, ""),
            "agree_pct": round(100 * na / ns) if ns else 0,
            "disagree_pct": round(100 * nd / ns) if ns else 0,
            "n_seen": ns,
        }

    consensus = {
        kind: [overall(n) for n in analysis.consensus.get(kind, [])]
        for kind in ("agree", "disagree")
    }
    return {"analysis": analysis, "groups": groups, "consensus": consensus}


# --- export -----------------------------------------------------------------------------------


def export_votes(conversation: Conversation) -> Iterator[tuple[datetime, int, int, int]]:
    return (
        Vote.objects.filter(conversation=conversation)
        .order_by("voted_at", "pk")
        .values_list("voted_at", "statement__number", "participant__number", "value")
        .iterator(chunk_size=5000)
    )


def export_statements(conversation: Conversation) -> QuerySet[Statement]:
    return conversation.statements.annotate(
        author_number=F("participant__number"),
        n_agree=Count("votes", filter=Q(votes__value=1)),
        n_disagree=Count("votes", filter=Q(votes__value=-1)),
    ).order_by("number")


def similar_statements(
    conversation: Conversation, body: str, *, exclude: int | None = None, limit: int = 3
) -> list[Statement]:
    """Statements that read almost the same (the near-duplicate warning), most similar first."""
    text = " ".join(body.lower().split())
    scored = []
    candidates = conversation.statements.exclude(status=Statement.Status.REJECTED)
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    for statement in candidates.only("pk", "number", "body", "status"):
        ratio = SequenceMatcher(None, text, " ".join(statement.body.lower().split())).ratio()
        if ratio >= SIMILARITY:
            scored.append((ratio, statement))
    scored.sort(key=lambda pair: -pair[0])
    return [s for _ratio, s in scored[:limit]]


def moderation_overview(*, per_conversation: int = 5) -> QuerySet[Conversation]:
    """Conversations with statements waiting for moderation, the longest-waiting first; each
    carries ``n_pending`` and its oldest pending statements as ``waiting`` (two queries)."""
    pending = Statement.objects.filter(status=Statement.Status.PENDING).order_by(
        "created_at", "number"
    )
    oldest = pending.filter(conversation=OuterRef("pk")).values("created_at")[:1]
    return (
        conversations()
        .filter(Exists(pending.filter(conversation=OuterRef("pk"))))
        .annotate(oldest_pending=Subquery(oldest))
        .order_by("oldest_pending", "pk")
        .prefetch_related(
            Prefetch("statements", queryset=pending[:per_conversation], to_attr="waiting")
        )
    )


def participations_by(*, user: User) -> list[Participant]:
    """The conversations the person voted in, with their number of votes, newest first."""
    return list(
        Participant.objects.filter(user=user)
        .select_related("conversation")
        .annotate(n_votes=Count("votes"))
        .order_by("-conversation__created_at", "-pk")[:ACCOUNT_ROWS]
    )


def statements_by(*, user: User) -> list[Statement]:
    """The statements the person wrote, newest first, with their conversation."""
    return list(
        Statement.objects.filter(author=user)
        .select_related("conversation")
        .order_by("-created_at", "-pk")[:ACCOUNT_ROWS]
    )


ACCOUNT_SECTIONS["my-votes"] = AccountSection(
    key="my-votes",
    title=gettext_lazy("Conversations I voted in"),
    template="deliberation/account/participations.html",
    rows=lambda user: participations_by(user=user),
    order=30,
)
ACCOUNT_SECTIONS["my-statements"] = AccountSection(
    key="my-statements",
    title=gettext_lazy("My statements"),
    template="deliberation/account/statements.html",
    rows=lambda user: statements_by(user=user),
    order=40,
)
