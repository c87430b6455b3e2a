"""Reads of co-creation: querysets with related rows joined, counts as annotations, the
similar-idea check, an initiative's progress, outcome series and public timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from cocity.cocreation.models import (
    Challenge,
    ChallengeFollow,
    Comment,
    Endorsement,
    GateDecision,
    Indicator,
    Initiative,
    Measurement,
    Meeting,
    MeetingRegistration,
    Milestone,
    Proposal,
    ProposalAmendment,
    ProposalVersion,
    ProposalWord,
    SurveyResponse,
)
from cocity.compute.cocreation import (
    meaningful_words,
    min_shared_words,
    prefix_words,
    progress_percent,
    similar_items,
)
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
    # counts as correlated subqueries: the database computes them only for the page's rows,
    # not for every proposal of the challenge before paginating (as a GROUP BY would)
    return (
        Proposal.objects.filter(challenge=challenge)
        .select_related("author", "organisation")
        .annotate(
            n_endorsements=_count(Endorsement.objects.filter(proposal=OuterRef("pk"))),
            n_comments=_count(
                Comment.objects.filter(proposal=OuterRef("pk"), status=Comment.Status.ACCEPTED)
            ),
        )
        .order_by("-created_at", "-id")
    )


def proposal_page(*, challenge: Challenge, number: Any, per_page: int = 50) -> Page[Proposal]:
    """One page of a challenge's proposals, newest first, with their counts. The page's ids are
    found on the bare index first and the counts computed for those rows only (an OFFSET over
    the annotated query would compute them for every skipped row too)."""
    bare = Proposal.objects.filter(challenge=challenge).order_by("-created_at", "-id")
    page = Paginator(bare.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = {p.pk: p for p in proposals(challenge=challenge).filter(pk__in=ids)}
    found = cast("Page[Proposal]", page)
    found.object_list = [rows[pk] for pk in ids if pk in rows]
    return found


def _count(qs: QuerySet[Any]) -> Coalesce:
    counted = qs.order_by().values("proposal").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


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


#: What a comment thread shows: the fields read, so the rest (moderation) is not loaded.
THREAD_FIELDS = (
    "proposal_id",
    "parent_id",
    "author_id",
    "body",
    "status",
    "created_at",
    "author__display_name",
    "author__anonymised_at",
)


def comment_threads(proposal: Proposal, *, viewer: Any = None) -> list[Thread]:
    """The accepted comments as threads (a reply under the comment it answers). A signed-in
    viewer also sees their own comments waiting for moderation."""
    visible = Q(status=Comment.Status.ACCEPTED)
    if getattr(viewer, "is_authenticated", False):
        visible |= Q(author=viewer, status=Comment.Status.PENDING)
    rows = list(
        proposal.comments.filter(visible)
        .select_related("author")
        .only(*THREAD_FIELDS)
        .order_by("created_at")
    )
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


#: The similar-idea check reads at most about this many postings of the word index to pick its
#: candidates (see ``similar_proposals``); more postings, fewer candidates to score.
SIMILAR_POSTINGS_BUDGET = 100_000


def _holding_at_least(
    index: QuerySet[ProposalWord], words: list[str], need: int, *, in_title: bool = False
) -> set[int]:
    """The proposals holding at least ``need`` of ``words`` (in their title if ``in_title``),
    counted by the database on the word index."""
    if not words:
        return set()
    rows = index.filter(word__in=words)
    if in_title:
        rows = rows.filter(in_title=True)
    return set(
        rows.values("proposal")
        .annotate(n=Count("*"))
        .filter(n__gte=need)
        .values_list("proposal", flat=True)
    )


def similar_proposals(
    *, challenge: Challenge, title: str, body: str, exclude: int | None = None
) -> list[tuple[Proposal, float]]:
    """The challenge's proposals most like a new idea (``compute.cocreation.similar_items``).

    Exact, with the word index doing the work of scoring every proposal: a text needs at least
    k of the idea's n words in common to reach the threshold (``min_shared_words``), so it holds
    at least m of any n − k + m of them (prefix filtering, generalised: ``prefix_words``, m
    as large as ``SIMILAR_POSTINGS_BUDGET`` allows); the database counts on the word index
    which proposals hold m of those words, and only these are scored. The same for the title's
    words alone, on the title words of the index."""
    title_words = {w[:64] for w in meaningful_words(title)}
    words = title_words | {w[:64] for w in meaningful_words(body)}
    if not words:
        return []
    index = ProposalWord.objects.filter(challenge=challenge)
    df = dict(
        index.filter(word__in=words).values("word").annotate(n=Count("pk")).values_list("word", "n")
    )
    need = min_shared_words(len(words))
    prefix, m = prefix_words(words, df, need, SIMILAR_POSTINGS_BUDGET)
    candidates = _holding_at_least(index, prefix, m)
    if title_words:
        need_title = min_shared_words(len(title_words))
        title_prefix, m_title = prefix_words(title_words, df, need_title, SIMILAR_POSTINGS_BUDGET)
        candidates |= _holding_at_least(index, title_prefix, m_title, in_title=True)
    candidates.discard(exclude)  # type: ignore[arg-type]
    if not candidates:
        return []
    rows = Proposal.objects.filter(pk__in=candidates).values_list("pk", "title", "body")
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
    "meeting",
    "proposal",
    "amendment",
    "initiative",
    "decision",
    "budget_win",
    "budget_status",
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
    events.extend(
        Event(m.starts_at, "meeting", m.title, reverse("cocreation:meeting", args=[m.pk]), "")
        for m in challenge.meetings.all()
        if m.starts_at <= timezone.now()
    )
    events.extend(
        Event(
            a.decided_at or a.created_at,
            "amendment",
            a.title,
            reverse("cocreation:proposal", args=[a.proposal_id]),
            a.author.public_name if a.author else "",
        )
        for a in ProposalAmendment.objects.filter(
            proposal=initiative.proposal, status=ProposalAmendment.Status.ACCEPTED
        ).select_related("author")
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
    events.extend(_budget_events(initiative))
    # by day, then in the order of the story (a gate decided on the day the initiative was made
    # comes after it), then by time
    events.sort(key=lambda e: (timezone.localdate(e.at), KIND_ORDER.index(e.kind), e.at))
    return events


def _budget_events(initiative: Initiative) -> list[Event]:
    """A participatory budget's win (and the funded project's later status changes) for each
    funded project linked to the initiative. Budgeting imports co-creation (its project form
    lists initiatives), so its selector is imported here, when called."""
    from django.urls import reverse

    from cocity.budgeting import selectors as budgeting
    from cocity.budgeting.money import format_money

    events = []
    for row in budgeting.initiative_projects(initiative.pk):
        idea = row["project"].idea
        envelope = idea.envelope
        where = f"{envelope.process.label}, {envelope.label}"
        events.append(
            Event(
                row["won_at"],
                "budget_win",
                idea.title,
                reverse("budgeting:results", args=[envelope.process.slug, envelope.slug]),
                f"{where}: {format_money(idea.cost)}" if idea.cost is not None else where,
            )
        )
        events.extend(
            Event(
                at,
                "budget_status",
                idea.title,
                reverse("budgeting:idea", args=[envelope.process.slug, idea.pk]),
                label,
            )
            for at, label in row["changes"]
        )
    return events


def initiatives_of(challenge: Challenge) -> QuerySet[Initiative]:
    return Initiative.objects.filter(proposal__challenge=challenge).order_by("created_at")


# --- sensor-sourced indicators ----------------------------------------------------------------


def sensor_mean(*, indicator: Indicator, day: date) -> Decimal | None:
    """For a sensor indicator: the day's mean of its quantity over the challenge's districts
    (each district's mean of its sensors' daily means, read through the sensing app), or None
    when no sensor there has usable readings that day."""
    from cocity.sensing import selectors as sensing

    start = timezone.make_aware(datetime.combine(day, time.min))
    means = []
    for area in indicator.initiative.proposal.challenge.areas.all():
        days = sensing.area_daily(area=area, quantity=indicator.quantity, start=start, days=1)
        if days and days[0].mean is not None:
            means.append(days[0].mean)
    if not means:
        return None
    return Decimal(str(round(sum(means) / len(means), 3)))


# --- amendments -------------------------------------------------------------------------------


def amendments(proposal: Proposal) -> QuerySet[ProposalAmendment]:
    return proposal.amendments.select_related("author", "decided_by", "version").order_by(
        "created_at", "id"
    )


def amendment_get(pk: int) -> ProposalAmendment:
    return ProposalAmendment.objects.select_related("proposal", "author").get(pk=pk)


# --- meetings ---------------------------------------------------------------------------------


def meetings(*, challenge: Challenge | None = None) -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("challenge", "organisation").annotate(
        n_registered=Count("registrations", filter=Q(registrations__waiting=False)),
        n_waiting=Count("registrations", filter=Q(registrations__waiting=True)),
    )
    if challenge is not None:
        qs = qs.filter(challenge=challenge)
    return qs.order_by("starts_at", "id")


def meeting_get(pk: int) -> Meeting:
    return (
        Meeting.objects.select_related("challenge", "organisation", "created_by")
        .prefetch_related("proposals")
        .get(pk=pk)
    )


def meeting_registrations(meeting: Meeting) -> QuerySet[MeetingRegistration]:
    return meeting.registrations.select_related("user").order_by("created_at", "id")


def meeting_registration_of(*, meeting: Meeting, user: Any) -> MeetingRegistration | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return meeting.registrations.filter(user=user).first()


# --- gate surveys -----------------------------------------------------------------------------


@dataclass
class SurveyResult:
    answers: int
    mean_rating: Decimal | None
    go_ahead: int
    comments: list[str]

    @property
    def hold_back(self) -> int:
        return self.answers - self.go_ahead


def survey_result(responses: list[SurveyResponse]) -> SurveyResult:
    n = len(responses)
    mean = (Decimal(sum(r.rating for r in responses)) / n).quantize(Decimal("0.1")) if n else None
    return SurveyResult(
        n,
        mean,
        sum(1 for r in responses if r.go_ahead),
        [r.comment for r in responses if r.comment],
    )


def survey_results(initiative: Initiative) -> dict[int | None, SurveyResult]:
    """The survey answers per gate decision (``None``: the open survey of the next gate)."""
    grouped: dict[int | None, list[SurveyResponse]] = {}
    for r in initiative.survey_responses.order_by("created_at", "id"):
        grouped.setdefault(r.decision_id, []).append(r)
    return {k: survey_result(v) for k, v in grouped.items()}


def has_answered_survey(*, initiative: Initiative, user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return initiative.survey_responses.filter(user=user, decision__isnull=True).exists()


def sensor_mean_between(*, area: Any, quantity: str, days: int, last: date) -> Decimal | None:
    """The mean of a district's daily means of a quantity over ``days`` days ending on ``last``
    (a sensor indicator's baseline), or None without readings."""
    from cocity.sensing import selectors as sensing

    start = timezone.make_aware(datetime.combine(last - timedelta(days=days - 1), time.min))
    means = [
        d.mean
        for d in sensing.area_daily(area=area, quantity=quantity, start=start, days=days)
        if d.mean is not None
    ]
    return Decimal(str(round(sum(means) / len(means), 1))) if means else None
