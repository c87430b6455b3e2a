"""Writes of deliberation. Public state changes record an audit entry.

Individual votes are not written to the audit log: an entry names its actor, so the public log
would show how each person voted. The analysis runs (which publish vote counts) are recorded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cocity.compute.opinion import PolisExportError, VoteTable, read_polis_export
from cocity.core.errors import Conflict, DomainError, NotAllowed, full_clean
from cocity.core.models import Area, User
from cocity.core.services import (
    PERSONAL_DATA_EXPORTERS,
    audit_record,
    notification_send,
    rejection_reason_clean,
)
from cocity.core.text import all_safe
from cocity.deliberation import polis

# the analysis run lives in its own module, which the task uses too; re-exported for callers
from cocity.deliberation.analysis import ANALYSES_KEPT as ANALYSES_KEPT
from cocity.deliberation.analysis import analysis_run as analysis_run
from cocity.deliberation.models import (
    STATEMENT_MAX_LENGTH,
    AnalysisResult,
    Conversation,
    Participant,
    Statement,
    Vote,
)
from cocity.deliberation.tasks import analysis_run_task
from cocity.needs.models import Report

#: A run is started at most this often per conversation; votes in between join the next run.
ANALYSIS_DEBOUNCE = timedelta(seconds=10)
#: A request older than this is considered lost (e.g. the worker died) and may be queued again;
#: never later than the broker would deliver a lost task again (see _analysis_stale).
ANALYSIS_STALE = timedelta(minutes=10)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _is_authenticated(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated)


def _ensure_open(conversation: Conversation) -> None:
    if not conversation.is_open():
        raise Conflict(_("This conversation is not open."), code="conversation_closed")


# --- conversations ----------------------------------------------------------------------------


@transaction.atomic
def conversation_create(
    *,
    actor: User | None,
    topic: str,
    description: str = "",
    area: Area | None = None,
    need: Report | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    allow_anonymous: bool = False,
    source: str = "",
    attribution: str = "",
    seed_statements: Iterable[str] = (),
    language: str = "",
) -> Conversation:
    """Open a conversation (officials and admins; ``actor=None`` is the system, e.g. imports)."""
    if actor is not None and not actor.has_perm("deliberation.create_conversation"):
        raise NotAllowed()
    conversation = Conversation(
        topic=topic.strip(),
        description=description.strip(),
        area=area,
        need=need,
        opens_at=opens_at,
        closes_at=closes_at,
        allow_anonymous=allow_anonymous,
        created_by=actor,
        source=source,
        attribution=attribution,
        language=language.strip(),
    )
    full_clean(conversation)
    conversation.save()
    audit_record(
        action="conversation.created",
        actor=actor,
        obj=conversation,
        data={
            "topic": conversation.topic,
            "allow_anonymous": allow_anonymous,
            "area": area.code if area else None,
            "need": need.pk if need else None,
        },
    )
    for body in seed_statements:
        statement_submit(conversation=conversation, body=body, user=actor, seed=True)
    return conversation


@transaction.atomic
def conversation_close(*, conversation: Conversation, actor: User) -> Conversation:
    """Close a conversation now (officials and admins): no more statements or votes."""
    if not actor.has_perm("deliberation.create_conversation"):
        raise NotAllowed()
    _ensure_open(conversation)
    conversation.closes_at = timezone.now()
    if conversation.opens_at and conversation.opens_at >= conversation.closes_at:
        conversation.opens_at = None
    conversation.save(update_fields=["closes_at", "opens_at"])
    audit_record(action="conversation.closed", actor=actor, obj=conversation)
    return conversation


# --- participants -----------------------------------------------------------------------------


def _lock(conversation: Conversation) -> None:
    """Serialise number allocation inside one conversation (SQLite serialises writers anyway)."""
    Conversation.objects.select_for_update().filter(pk=conversation.pk).first()


@transaction.atomic
def participant_get_or_create(
    *, conversation: Conversation, user: User | None = None, session_key: str = ""
) -> Participant:
    """The participant behind an account or, if the conversation allows it, a browser session."""
    if user is not None and _is_authenticated(user):
        found = Participant.objects.filter(conversation=conversation, user=user).first()
    elif session_key and conversation.allow_anonymous:
        found = Participant.objects.filter(
            conversation=conversation, session_key=session_key
        ).first()
    else:
        raise NotAllowed(_("Sign in to take part in this conversation."), code="login_required")
    if found is not None:
        return found
    _lock(conversation)
    top = conversation.participants.aggregate(m=Max("number"))["m"]
    number = 0 if top is None else top + 1
    return Participant.objects.create(
        conversation=conversation,
        number=number,
        user=user if _is_authenticated(user) else None,
        session_key="" if _is_authenticated(user) else session_key,
    )


# --- statements -------------------------------------------------------------------------------


def _normalise(body: str) -> str:
    return " ".join(body.split())


@transaction.atomic
def statement_submit(
    *,
    conversation: Conversation,
    body: str,
    user: User | None = None,
    session_key: str = "",
    seed: bool | None = None,
) -> Statement:
    """Add a statement. Officials, organisation members and moderators write seed statements,
    accepted at once; everyone else's wait in the moderation queue."""
    text = _normalise(body or "")
    if not text:
        raise DomainError(_("Write a statement first."), code="statement_empty")
    if len(text) > STATEMENT_MAX_LENGTH:
        raise DomainError(
            _("A statement has at most %(max)d characters (this one has %(n)d).")
            % {"max": STATEMENT_MAX_LENGTH, "n": len(text)},
            code="statement_too_long",
        )
    _ensure_open(conversation)
    system = bool(seed) and user is None and not session_key  # imports and demo seeding
    trusted = system or (
        _is_authenticated(user)
        and bool(user is not None and user.has_perm("deliberation.seed_statement"))
    )
    if seed and not trusted:
        raise NotAllowed()
    duplicate = (
        conversation.statements.exclude(status=Statement.Status.REJECTED)
        .filter(body__iexact=text)
        .exists()
    )
    if duplicate:
        raise Conflict(_("This statement is already in the conversation."), code="duplicate")
    participant = (
        None
        if system
        else participant_get_or_create(
            conversation=conversation, user=user, session_key=session_key
        )
    )
    _lock(conversation)
    top = conversation.statements.aggregate(m=Max("number"))["m"]
    number = 0 if top is None else top + 1
    statement = Statement(
        conversation=conversation,
        number=number,
        body=text,
        author=user if _is_authenticated(user) else None,
        participant=participant,
        status=Statement.Status.ACCEPTED if trusted else Statement.Status.PENDING,
        is_seed=trusted,
    )
    full_clean(statement, exclude=["author", "participant", "moderated_by"])
    statement.save()
    if participant is not None and not seed:
        # as in Polis, the author agrees with their own statement and is not asked to vote on
        # it; an organiser's opening (seed) statements are prompts, not their opinion
        Vote.objects.create(
            conversation=conversation,
            participant=participant,
            statement=statement,
            value=Vote.Value.AGREE,
            voted_at=statement.created_at,
        )
    audit_record(
        action="statement.submitted",
        actor=user if _is_authenticated(user) else None,
        obj=statement,
        data={"conversation": conversation.pk, "number": number, "status": statement.status},
    )
    return statement


#: Notification texts of a moderation outcome (translated when shown).
MODERATION_ACCEPTED = gettext_noop("Your statement “%(body)s” was accepted: people can vote on it.")
MODERATION_REJECTED = gettext_noop("Your statement “%(body)s” was not accepted. Reason: %(reason)s")


@transaction.atomic
def statement_moderate(
    *, statement: Statement, status: str, actor: User, reason: str = ""
) -> Statement:
    """Accept or reject a statement (moderators and admins). A rejection needs a reason, which
    is stored on the statement; the author (if they have an account) is told the outcome."""
    if not actor.has_perm("deliberation.moderate"):
        raise NotAllowed()
    if status not in (Statement.Status.ACCEPTED, Statement.Status.REJECTED):
        raise DomainError(_("Unknown moderation decision."), code="unknown_status")
    reason = rejection_reason_clean(reason, rejecting=status == Statement.Status.REJECTED)
    statement.status = status
    statement.moderated_by = actor
    statement.moderated_at = timezone.now()
    statement.rejection_reason = reason if status == Statement.Status.REJECTED else ""
    statement.save(update_fields=["status", "moderated_by", "moderated_at", "rejection_reason"])
    audit_record(
        action="statement.moderated",
        actor=actor,
        obj=statement,
        data={"conversation": statement.conversation_id, "status": status},
    )
    author = statement.author
    if author is not None:
        accepted = status == Statement.Status.ACCEPTED
        params = {"body": statement.body[:80], "reason": statement.rejection_reason}
        link = reverse("deliberation:detail", kwargs={"pk": statement.conversation_id})
        transaction.on_commit(
            lambda: notification_send(
                recipients=[author],
                verb="statement.accepted" if accepted else "statement.rejected",
                text=MODERATION_ACCEPTED if accepted else MODERATION_REJECTED,
                params=params,
                link=link,
            )
        )
    return statement


# --- votes ------------------------------------------------------------------------------------

VOTE_NAMES = {"agree": 1, "disagree": -1, "pass": 0}


def parse_vote(value: Any) -> int:
    """1/-1/0 or agree/disagree/pass; anything else is a DomainError."""
    if isinstance(value, str):
        key = value.strip().lower()
        if key in VOTE_NAMES:
            return VOTE_NAMES[key]
        try:
            value = int(key)
        except ValueError:
            value = None
    if isinstance(value, bool) or value not in (-1, 0, 1):
        raise DomainError(_("A vote is agree (1), disagree (-1) or pass (0)."), code="unknown_vote")
    return int(value)


@transaction.atomic
def vote_cast(
    *,
    statement: Statement,
    value: Any,
    user: User | None = None,
    session_key: str = "",
) -> Vote:
    """Vote on an accepted statement; voting again replaces the earlier vote."""
    vote_value = parse_vote(value)
    conversation = statement.conversation
    _ensure_open(conversation)
    if statement.status != Statement.Status.ACCEPTED:
        raise Conflict(_("This statement is not open for votes."), code="statement_not_votable")
    participant = participant_get_or_create(
        conversation=conversation, user=user, session_key=session_key
    )
    vote, _created = Vote.objects.update_or_create(
        participant=participant,
        statement=statement,
        defaults={"value": vote_value, "voted_at": timezone.now(), "conversation": conversation},
    )
    conversation_id = conversation.pk
    transaction.on_commit(lambda: analysis_request(conversation_id=conversation_id))
    return vote


# --- analysis ---------------------------------------------------------------------------------


def _analysis_stale() -> timedelta:
    """How long a pending marker blocks new requests: at most until a run taken by a killed
    worker is delivered again (COCITY_CELERY_VISIBILITY_TIMEOUT), so the marker never outlives
    the task it stands for by long."""
    return min(ANALYSIS_STALE, timedelta(seconds=settings.COCITY_CELERY_VISIBILITY_TIMEOUT))


def analysis_request(*, conversation_id: int) -> bool:
    """Queue a recomputation unless one is already queued (debounce). Returns True if queued."""
    now = timezone.now()
    claimed = (
        Conversation.objects.filter(pk=conversation_id)
        .filter(
            Q(analysis_requested_at__isnull=True)
            | Q(analysis_requested_at__lt=now - _analysis_stale())
        )
        .update(analysis_requested_at=now)
    )
    if not claimed:
        return False
    last = (
        AnalysisResult.objects.filter(conversation_id=conversation_id)
        .order_by("-computed_at")
        .values_list("computed_at", flat=True)
        .first()
    )
    task = analysis_run_task
    if last is not None and now - last < ANALYSIS_DEBOUNCE and task.get_backend().supports_defer:
        task = task.using(run_after=last + ANALYSIS_DEBOUNCE)
    task.enqueue(conversation_id)
    return True


# --- Polis openData import --------------------------------------------------------------------


def _from_ms(ms: float) -> datetime:
    return EPOCH + timedelta(milliseconds=int(ms))


POLIS_MAX_ID = 2**31 - 1  # participant and statement numbers are 32-bit columns
POLIS_MAX_MS = 253402300799999  # 9999-12-31T23:59:59.999Z, the last moment Python can hold
POLIS_MAX_BODY = 10_000


def _polis_check(votes: VoteTable, comments: list[polis.Comment], summary: dict[str, str]) -> None:
    """Refuse, before anything is written, an export whose values the tables cannot hold."""

    def refuse(problem: str) -> DomainError:
        return DomainError(f"Not a usable Polis export: {problem}", code="bad_polis_export")

    numbers = [c.number for c in comments]
    if len(set(numbers)) != len(numbers):
        raise refuse("comments.csv lists a comment-id twice.")
    ids = [
        *numbers,
        *(c.author for c in comments if c.author is not None),
        *votes.participant.tolist(),
        *votes.statement.tolist(),
    ]
    if any(not 0 <= n <= POLIS_MAX_ID for n in ids):
        raise refuse(f"ids must be whole numbers from 0 to {POLIS_MAX_ID}.")
    if any(v not in (-1, 0, 1) for v in votes.vote.tolist()):
        raise refuse("a vote is -1, 0 or 1.")
    times = [*(votes.time.tolist() if votes.time is not None else [])]
    times += [c.timestamp for c in comments if c.timestamp is not None]
    if any(not (math.isfinite(t) and 0 <= t <= POLIS_MAX_MS) for t in times):
        raise refuse("a timestamp is not a time in milliseconds since 1970.")
    texts = [c.body for c in comments] + list(summary.values()) + list(summary)
    if not all_safe(texts) or any(len(c.body) > POLIS_MAX_BODY for c in comments):
        raise refuse(
            f"a comment is longer than {POLIS_MAX_BODY} characters or holds control characters."
        )


def _insert_votes(rows: Iterable[tuple[int, int, int, int, datetime]]) -> None:
    """Insert many votes with one prepared statement (the ORM's bulk_create spends seconds
    building model objects for a conversation of 50,000 votes)."""
    table = connection.ops.quote_name(Vote._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(column)
        for column in ("conversation_id", "participant_id", "statement_id", "value", "voted_at")
    )
    adapt = connection.ops.adapt_datetimefield_value
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608 — quoted model names; values bound
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(c, p, s, v, adapt(t)) for c, p, s, v, t in rows])


@transaction.atomic
def conversation_import_polis(
    *,
    folder: str | Path,
    topic: str = "",
    description: str = "",
    attribution: str = "",
    actor: User | None = None,
    allow_anonymous: bool = False,
    analyse: bool = True,
    language: str = "",
) -> Conversation:
    """Create a conversation from a Polis openData export folder (all or nothing)."""
    root = Path(folder)
    try:
        export = read_polis_export(root)
        comments = polis.read_comments(root)
        summary = polis.read_summary(root)
    except PolisExportError as exc:
        raise DomainError(str(exc), code="bad_polis_export") from exc
    _polis_check(export.votes, comments, summary)
    conversation = conversation_create(
        actor=actor,
        topic=(topic or summary.get("topic") or root.name)[:200],
        description=description or summary.get("conversation-description", ""),
        allow_anonymous=allow_anonymous,
        source=f"polis:{root.name}" + (f" {summary['url']}" if summary.get("url") else ""),
        attribution=attribution,
        language=language,
    )
    votes = export.votes
    latest: dict[tuple[int, int], tuple[int, float]] = {}
    pids, tids, vals = votes.participant.tolist(), votes.statement.tolist(), votes.vote.tolist()
    times = votes.time.tolist() if votes.time is not None else None
    for i in range(len(pids)):
        key = (pids[i], tids[i])
        t = times[i] if times is not None else 0.0
        if times is None or key not in latest or t > latest[key][1]:
            latest[key] = (vals[i], t)
    numbers = set(pids) | {c.author for c in comments if c.author is not None}
    participants = Participant.objects.bulk_create(
        [Participant(conversation=conversation, number=n) for n in sorted(numbers)],
        batch_size=2000,
    )
    participant_pk = {p.number: p.pk for p in participants}
    if any(p is None for p in participant_pk.values()):  # pragma: no cover - old SQLite
        participant_pk = dict(conversation.participants.values_list("number", "pk"))
    status_of = {1: Statement.Status.ACCEPTED, -1: Statement.Status.REJECTED}
    statements = Statement.objects.bulk_create(
        [
            Statement(
                conversation=conversation,
                number=c.number,
                body=c.body,
                participant_id=participant_pk.get(c.author) if c.author is not None else None,
                status=status_of.get(c.moderated, Statement.Status.PENDING),
                is_meta=c.is_meta,
                created_at=_from_ms(c.timestamp) if c.timestamp is not None else timezone.now(),
            )
            for c in comments
        ],
        batch_size=2000,
    )
    statement_pk = {s.number: s.pk for s in statements}
    if any(s is None for s in statement_pk.values()):  # pragma: no cover - old SQLite
        statement_pk = dict(conversation.statements.values_list("number", "pk"))
    now = timezone.now()
    _insert_votes(
        (
            conversation.pk,
            participant_pk[p],
            statement_pk[s],
            v,
            _from_ms(t) if times is not None else now,
        )
        for (p, s), (v, t) in latest.items()
        if s in statement_pk
    )
    audit_record(
        action="conversation.imported",
        actor=actor,
        obj=conversation,
        data={
            "source": conversation.source,
            "statements": len(statements),
            "participants": len(participants),
            "votes": len(latest),
        },
    )
    if analyse:
        analysis_run(conversation=conversation)
    return conversation


# --- personal data ----------------------------------------------------------------------------


def personal_data(user: User) -> dict[str, Any]:
    """What deliberation holds about a person (added to the core GDPR export)."""
    return {
        "participations": [
            {
                "conversation": p.conversation_id,
                "topic": p.conversation.topic,
                "participant": p.number,
                "votes": [
                    {
                        "statement": v.statement.number,
                        "vote": v.value,
                        "at": v.voted_at.isoformat(),
                    }
                    for v in p.votes.select_related("statement").order_by("voted_at")
                ],
            }
            for p in Participant.objects.filter(user=user).select_related("conversation")
        ],
        "statements": [
            {
                "conversation": s.conversation_id,
                "statement": s.number,
                "body": s.body,
                "status": s.status,
                "at": s.created_at.isoformat(),
            }
            for s in Statement.objects.filter(author=user).order_by("created_at")
        ],
    }


PERSONAL_DATA_EXPORTERS["deliberation"] = personal_data
