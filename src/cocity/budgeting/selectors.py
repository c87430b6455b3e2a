"""Reads of participatory budgeting, and the envelope as the PB engine's election."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any

import numpy as np
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from cocity.budgeting.models import (
    Ballot,
    BallotKind,
    Envelope,
    Idea,
    ImplementationProject,
    MergeProposal,
    PaperSheet,
    Process,
    Result,
)
from cocity.compute.pb import canonical
from cocity.compute.pb.election import Ballot as PBBallot
from cocity.compute.pb.election import Election, Project
from cocity.core.models import Area, AuditEntry
from cocity.needs.models import OPEN_STATUSES, Report

CHANNELS = ("online", "code", "paper", "assisted")


def _count_ballots(channel: str | None = None) -> Subquery:
    qs = Ballot.objects.filter(envelope=OuterRef("pk"))
    if channel:
        qs = qs.filter(channel=channel)
    return Subquery(qs.values("envelope").annotate(n=Count("pk")).values("n")[:1])


def with_turnout(qs: QuerySet[Envelope]) -> QuerySet[Envelope]:
    """``n_ballots`` and, per channel, ``n_online``, ``n_code``, ``n_paper`` and ``n_assisted``."""
    return qs.annotate(
        n_ballots=_count_ballots(), **{f"n_{c}": _count_ballots(c) for c in CHANNELS}
    )


def processes() -> QuerySet[Process]:
    envelopes = with_turnout(Envelope.objects.select_related("area", "result").order_by("slug"))
    return Process.objects.prefetch_related(Prefetch("envelopes", queryset=envelopes))


def process_get(slug: str) -> Process:
    return processes().get(slug=slug)


def envelopes(process: Process) -> QuerySet[Envelope]:
    return with_turnout(
        process.envelopes.select_related("area", "result").annotate(
            n_projects=Count("ideas", filter=Q(ideas__status=Idea.Status.ACCEPTED), distinct=True),
            n_ideas=Count("ideas", distinct=True),
        )
    ).order_by("slug")


def envelope_plain(process_slug: str, slug: str) -> Envelope:
    """An envelope and its process, without counts (the ballot's path)."""
    return Envelope.objects.select_related("process", "area").get(
        process__slug=process_slug, slug=slug
    )


def envelope_get(process: Process, slug: str) -> Envelope:
    return envelopes(process).get(slug=slug)


def ideas(envelope: Envelope, status: str | None = None) -> QuerySet[Idea]:
    qs = envelope.ideas.select_related("author").order_by("pk")
    return qs.filter(status=status) if status else qs


def idea_get(process: Process, pk: int) -> Idea:
    return (
        Idea.objects.select_related("envelope__process", "envelope__area", "author")
        .prefetch_related("reports")
        .get(envelope__process=process, pk=pk)
    )


def ideas_with_supports(envelope: Envelope) -> QuerySet[Idea]:
    return ideas(envelope).select_related("merged_into").annotate(n_supports=Count("supports"))


def supported_by(user: Any, envelope: Envelope) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Idea.objects.filter(envelope=envelope, supports__user=user).values_list("pk", flat=True)
    )


def merge_candidates(idea: Idea) -> QuerySet[Idea]:
    """Ideas of the same budget that could be merged into ``idea``."""
    return (
        Idea.objects.filter(
            envelope_id=idea.envelope_id,
            status__in=(Idea.Status.SUBMITTED, Idea.Status.ACCEPTED),
        )
        .exclude(pk=idea.pk)
        .order_by("pk")
    )


def merges_of(idea: Idea) -> QuerySet[MergeProposal]:
    """The merge proposals ``idea`` is part of, newest first."""
    return (
        MergeProposal.objects.filter(consents__idea=idea)
        .select_related("target")
        .distinct()
        .order_by("-created_at", "-pk")
    )


def merge_get(process: Process, pk: int) -> MergeProposal:
    return MergeProposal.objects.select_related("target", "envelope").get(
        envelope__process=process, pk=pk
    )


def implementation_projects(process: Process) -> QuerySet[ImplementationProject]:
    return (
        ImplementationProject.objects.filter(idea__envelope__process=process)
        .select_related("idea__envelope", "initiative")
        .order_by("idea__envelope__slug", "idea_id")
    )


def initiative_projects(initiative_id: int) -> list[dict[str, Any]]:
    """The funded projects a co-creation initiative follows, for its public timeline: each
    project, the date of its envelope's result (``won_at``) and its recorded status changes
    (``changes``: ``(at, status label)`` from the public audit log, only where it changed)."""
    tracked = list(
        ImplementationProject.objects.filter(initiative_id=initiative_id)
        .select_related("idea__envelope__process", "idea__envelope__result")
        .order_by("idea_id")
    )
    if not tracked:
        return []
    entries = AuditEntry.objects.filter(
        action="budget.implementation_updated",
        object_type=Idea._meta.label_lower,
        object_id__in=[str(t.idea_id) for t in tracked],
    ).order_by("id")
    labels = dict(ImplementationProject.Status.choices)
    changes: dict[str, list[tuple[Any, str]]] = {}
    last: dict[str, str] = {}
    for entry in entries.only("created_at", "object_id", "data"):
        status = str((entry.data or {}).get("status") or "")
        if status and status != last.get(entry.object_id, ImplementationProject.Status.PLANNED):
            label = str(labels.get(status, status))
            changes.setdefault(entry.object_id, []).append((entry.created_at, label))
        if status:
            last[entry.object_id] = status
    out = []
    for t in tracked:
        result = getattr(t.idea.envelope, "result", None)
        if result is None:
            continue
        out.append(
            {
                "project": t,
                "won_at": result.computed_at,
                "changes": changes.get(str(t.idea_id), []),
            }
        )
    return out


def projects(envelope: Envelope) -> QuerySet[Idea]:
    """The projects on the ballot: accepted ideas, by number."""
    return ideas(envelope, Idea.Status.ACCEPTED)


def result_find(envelope: Envelope) -> Result | None:
    return Result.objects.filter(envelope=envelope).first()


def ballot_count(envelope: Envelope) -> int:
    return Ballot.objects.filter(envelope=envelope).count()


def receipt_find(code: str) -> Ballot | None:
    code = code.strip().upper()
    if not code:
        return None
    return Ballot.objects.select_related("envelope__process").filter(receipt=code).first()


def open_reports_by_area(areas: list[Area]) -> dict[str, int]:
    """Open reports per district code, for the need-weighted split."""
    counts = (
        Report.objects.filter(area__in=areas, status__in=OPEN_STATUSES)
        .values_list("area__code")
        .annotate(n=Count("pk"))
    )
    out = {a.code: 0 for a in areas}
    out.update(dict(counts))
    return out


def envelope_election(envelope: Envelope) -> Election:
    """The envelope as a Pabulib election: projects are the accepted ideas (id = idea number),
    one anonymous voter per ballot, and META records how cocity counts it."""
    process = envelope.process
    cardinal = process.ballot_kind == BallotKind.CUMULATIVE
    projects_ = list(projects(envelope))
    index = {str(i.pk): j for j, i in enumerate(projects_)}
    pb_projects = [
        Project(
            str(i.pk),
            Fraction(int(i.cost or 0)),
            {"project_id": str(i.pk), "cost": str(i.cost), "name": i.title},
        )
        for i in projects_
    ]
    groups: Counter[tuple[tuple[int, ...], tuple[int, ...]]] = Counter()
    # a random key: the order says nothing about when or by whom a ballot was cast
    for choices in (
        Ballot.objects.filter(envelope=envelope).order_by("pk").values_list("choices", flat=True)
    ):
        chosen = sorted(
            (index[pid], int(pts)) for pid, pts in choices.items() if pid in index and int(pts) > 0
        )
        groups[(tuple(j for j, _ in chosen), tuple(p for _, p in chosen))] += 1
    ballots = []
    voter_ballot: list[int] = []
    for b, ((projs, pts), n) in enumerate(groups.items()):
        ballots.append(PBBallot(projs, tuple(Fraction(p) for p in pts) if cardinal else None))
        voter_ballot.extend([b] * n)
    meta = {
        "description": f"{process.title}: {envelope.name}",
        "instance": process.slug,
        "subunit": envelope.slug,
        "unit": envelope.area.name if envelope.area else "",
        "budget": str(envelope.amount),
        "vote_type": "cumulative" if cardinal else "approval",
        "rule": process.rule,
        canonical.META_RULE: process.rule,
        canonical.META_COMPLETION: process.completion,
        canonical.META_TIE_BREAK: process.tie_break,
        canonical.META_SEED: str(process.tie_break_seed),
        canonical.META_USE_POINTS: "true",
    }
    if process.ballot_kind == BallotKind.APPROVAL and process.max_choices:
        meta["max_length"] = str(process.max_choices)
    if process.ballot_kind == BallotKind.KNAPSACK:
        meta["max_sum_cost"] = str(envelope.amount)
    if cardinal:
        meta["max_sum_points"] = str(process.points)
    return Election(
        meta=meta,
        projects=pb_projects,
        ballots=ballots,
        voter_ballot=np.asarray(voter_ballot, dtype=np.int64),
        project_header=["project_id", "cost", "name"],
        vote_header=["voter_id", "vote", *(["points"] if cardinal else [])],
    )


def paper_sheets_open(envelope: Envelope) -> QuerySet[PaperSheet]:
    """Sheets that wait for a second entry or for a third official."""
    return envelope.paper_sheets.filter(
        status__in=[PaperSheet.Status.FIRST, PaperSheet.Status.MISMATCH]
    ).order_by("serial")


def codes_summary(envelope: Envelope) -> dict[str, int]:
    qs = envelope.codes.all()
    return {"total": qs.count(), "spent": qs.filter(spent_at__isnull=False).count()}
