"""Reads of co-creation: querysets with related rows joined, counts as annotations, the
similar-idea check, an initiative's progress, outcome series and public timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from cocity.cocreation.models import (
    Challenge,
    ChallengeFollow,
    Comment,
    GateDecision,
    Indicator,
    Initiative,
    Measurement,
    Milestone,
    Proposal,
    ProposalVersion,
)
from cocity.compute.cocreation import progress_percent, similar_items
from cocity.core.models import User
from cocity.needs.models import Report

# --- challenges -------------------------------------------------------------------------------


def challenges() -> QuerySet[Challenge]:
    """Every challenge with its organisation, districts and counts."""
    return (
        Challenge.objects.select_related("organisation")
        .prefetch_related("areas")
        .annotate(
            n_reports=Count("reports", distinct=True),
            n_proposals=Count("proposals", distinct=True),
        )
    )


def challenge_get(pk: int) -> Challenge:
    return (
        Challenge.objects.select_related("organisation", "conversation", "created_by")
        .prefetch_related(
            "areas",
            Prefetch(
                "reports",
                queryset=Report.objects.select_related("category", "area").order_by("created_at"),
            ),
        )
        .get(pk=pk)
    )


def challenge_followers(challenge: Challenge) -> QuerySet[User]:
    return User.objects.filter(challenge_follows__challenge=challenge, is_active=True)


def is_challenge_follower(*, challenge: Challenge, user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return ChallengeFollow.objects.filter(challenge=challenge, user=user).exists()


# --- proposals --------------------------------------------------------------------------------


def proposals(*, challenge: Challenge) -> QuerySet[Proposal]:
    """A challenge's proposals with their authors and counts, newest first."""
    return (
        Proposal.objects.filter(challenge=challenge)
        .select_related("author", "organisation")
        .annotate(
            n_endorsements=Count("endorsements", distinct=True),
            n_comments=Count(
                "comments", filter=Q(comments__status=Comment.Status.ACCEPTED), distinct=True
            ),
        )
        .order_by("-created_at", "-id")
    )


def proposal_get(pk: int) -> Proposal:
    return (
        Proposal.objects.select_related("challenge", "author", "organisation")
        .prefetch_related("coauthors")
        .get(pk=pk)
    )


def proposal_versions(proposal: Proposal) -> QuerySet[ProposalVersion]:
    return proposal.versions.select_related("editor").order_by("number")


def proposal_endorsements(proposal: Proposal) -> dict[str, list[Any]]:
    """Who endorses it: ``{"people": [User], "organisations": [Organisation]}``."""
    rows = proposal.endorsements.select_related("user", "organisation").order_by("created_at")
    people = [e.user for e in rows if e.organisation_id is None]
    organisations = [e.organisation for e in rows if e.organisation_id is not None]
    return {"people": people, "organisations": organisations}


@dataclass
class Thread:
    comment: Comment
    replies: list[Thread]


def comment_threads(proposal: Proposal, *, viewer: Any = None) -> list[Thread]:
    """The accepted comments as threads (a reply under the comment it answers). A signed-in
    viewer also sees their own comments waiting for moderation."""
    visible = Q(status=Comment.Status.ACCEPTED)
    if getattr(viewer, "is_authenticated", False):
        visible |= Q(author=viewer, status=Comment.Status.PENDING)
    rows = list(proposal.comments.filter(visible).select_related("author").order_by("created_at"))
    nodes = {c.pk: Thread(c, []) for c in rows}
    roots: list[Thread] = []
    for c in rows:
        parent = nodes.get(c.parent_id) if c.parent_id else None
        (parent.replies if parent else roots).append(nodes[c.pk])
    return roots


def comments_pending() -> QuerySet[Comment]:
    return (
        Comment.objects.filter(status=Comment.Status.PENDING)
        .select_related("author", "proposal")
        .order_by("created_at", "id")
    )


def similar_proposals(
    *, challenge: Challenge, title: str, body: str, exclude: int | None = None
) -> list[tuple[Proposal, float]]:
    """The challenge's proposals most like a new idea (``compute.cocreation.similar_items``)."""
    rows = Proposal.objects.filter(challenge=challenge).values_list("pk", "title", "body")
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    found = similar_items(title, body, rows)
    by_pk = Proposal.objects.in_bulk([pk for pk, _ in found])
    return [(by_pk[pk], score) for pk, score in found if pk in by_pk]


# --- initiatives ------------------------------------------------------------------------------


def initiatives() -> QuerySet[Initiative]:
    return Initiative.objects.select_related("proposal__challenge")


def initiative_get(pk: int) -> Initiative:
    return (
        Initiative.objects.select_related("proposal__challenge", "proposal__author")
        .prefetch_related(
            Prefetch("decisions", queryset=GateDecision.objects.order_by("decided_on", "id")),
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "id")),
            Prefetch(
                "indicators",
                queryset=Indicator.objects.select_related("category").prefetch_related(
                    Prefetch("measurements", queryset=Measurement.objects.order_by("measured_on"))
                ),
            ),
        )
        .get(pk=pk)
    )


def initiative_progress(initiative: Initiative) -> Decimal:
    return progress_percent((m.weight, m.done_on is not None) for m in initiative.milestones.all())


def indicator_series(indicator: Indicator) -> list[tuple[date, Decimal]]:
    """The measured values of an indicator, oldest first."""
    return [(m.measured_on, m.value) for m in indicator.measurements.all()]


#: A report-count indicator counts the reports of the 30 days up to the day measured.
REPORT_WINDOW_DAYS = 30


def report_count(*, indicator: Indicator, until: date) -> int:
    """For a report-count indicator: the reports of its category in the challenge's districts
    filed in the ``REPORT_WINDOW_DAYS`` days up to the end of ``until``."""
    challenge = indicator.initiative.proposal.challenge
    end = timezone.make_aware(datetime.combine(until, time.max))
    qs = Report.objects.filter(
        category_id=indicator.category_id,
        created_at__lte=end,
        created_at__gt=end - timedelta(days=REPORT_WINDOW_DAYS),
    )
    area_ids = list(challenge.areas.values_list("pk", flat=True))
    if area_ids:
        qs = qs.filter(area_id__in=area_ids)
    return qs.count()


@dataclass
class Event:
    """One step of an initiative's public timeline."""

    at: datetime
    kind: str
    text: str
    link: str = ""
    detail: str = ""


KIND_ORDER = [
    "report",
    "challenge",
    "proposal",
    "initiative",
    "decision",
    "milestone",
    "measurement",
]


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def initiative_timeline(initiative: Initiative) -> list[Event]:
    """Reports → challenge → proposals → gate decisions → milestones → measurements, in order
    of time. ``text`` is the step's own title (a stage's name in the reader's language); the
    template names the kinds (``cocreation/_timeline.html``)."""
    from django.urls import reverse

    challenge = initiative.proposal.challenge
    reports = challenge.reports.select_related("category").order_by("created_at")
    events = [
        Event(
            r.created_at,
            "report",
            f"#{r.pk} {r.category.label}",
            reverse("needs:detail", args=[r.pk]),
        )
        for r in reports
    ]
    events.append(
        Event(
            challenge.created_at,
            "challenge",
            challenge.title,
            reverse("cocreation:challenge", args=[challenge.pk]),
        )
    )
    events.extend(
        Event(p.created_at, "proposal", p.title, reverse("cocreation:proposal", args=[p.pk]))
        for p in Proposal.objects.filter(challenge=challenge).order_by("created_at")
    )
    events.append(
        Event(
            initiative.created_at,
            "initiative",
            initiative.title,
            reverse("cocreation:initiative", args=[initiative.pk]),
        )
    )
    events.extend(
        Event(_at(d.decided_on), "decision", d.get_to_stage_display(), "", d.note)
        for d in initiative.decisions.all()
    )
    events.extend(
        Event(_at(m.done_on), "milestone", m.title)
        for m in initiative.milestones.all()
        if m.done_on
    )
    events.extend(
        Event(
            _at(m.measured_on), "measurement", ind.name, "", f"{m.value.normalize():f} {ind.unit}"
        )
        for ind in initiative.indicators.all()
        for m in ind.measurements.all()
    )
    # by day, then in the order of the story (a gate decided on the day the initiative was made
    # comes after it), then by time
    events.sort(key=lambda e: (timezone.localdate(e.at), KIND_ORDER.index(e.kind), e.at))
    return events


def initiatives_of(challenge: Challenge) -> QuerySet[Initiative]:
    return Initiative.objects.filter(proposal__challenge=challenge).order_by("created_at")
