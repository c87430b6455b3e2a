"""What participatory budgeting contributes to the equity indicators (cocity.equity.sources).

* ``voters`` per district: the voter marks of district envelopes count for their district; in a
  city-wide envelope a mark made by a signed-in voter is matched to their home district by
  recomputing the keyed hash for the accounts that have one (a mark reveals that someone voted,
  never how). Code and paper ballots in city-wide envelopes stay unattributed.
* ``pb_money`` per district: the amounts of district envelopes whose vote opened in the window.
* ``idea_authors`` per district: distinct authors of ideas, by home district.
* ``open``: processes collecting ideas (a proposal call: idea authors) or voting (voters), with
  the per-district counts and the close date the alerts project to.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from cocity.budgeting.models import Envelope, Idea, Phase, Process, VoterMark
from cocity.budgeting.services import voter_hash
from cocity.core.models import User


def _voters(envelopes: list[Envelope]) -> tuple[Counter[int], int]:
    counted: Counter[int] = Counter()
    unattributed = 0
    residents: list[tuple[int, int]] | None = None
    for envelope in envelopes:
        marks = set(
            VoterMark.objects.filter(envelope=envelope).values_list("voter_hash", flat=True)
        )
        if envelope.area_id is not None:
            counted[envelope.area_id] += len(marks)
            continue
        if residents is None:
            residents = list(
                User.objects.filter(home_area__isnull=False).values_list("pk", "home_area")
            )
        matched = 0
        for pk, area in residents:
            probe = User(pk=pk)
            if voter_hash(envelope, probe) in marks:
                counted[area] += 1
                matched += 1
        unattributed += len(marks) - matched
    return counted, unattributed


def equity_counts(*, since: datetime, until: datetime) -> dict[str, Any]:
    in_window = Process.objects.filter(voting_opens_at__gte=since, voting_opens_at__lt=until)
    envelopes = list(Envelope.objects.filter(process__in=in_window).order_by("pk"))
    voters, _unattributed = _voters(envelopes)
    money = dict(
        Envelope.objects.filter(process__in=in_window, area__isnull=False)
        .values_list("area")
        .annotate(total=Sum("amount"))
        .values_list("area", "total")
    )
    authors = dict(
        Idea.objects.filter(created_at__gte=since, created_at__lt=until)
        .filter(author__home_area__isnull=False)
        .values_list("author__home_area")
        .annotate(n=Count("author", distinct=True))
        .values_list("author__home_area", "n")
    )
    now = timezone.now()
    opened = []
    live = Process.objects.filter(
        Q(ideas_opens_at__lte=now) & Q(voting_closes_at__gt=now)
    ).order_by("pk")
    for process in live:
        phase = process.phase(now)
        if phase == Phase.VOTING:
            counted, unattributed = _voters(list(process.envelopes.order_by("pk")))
            opens_at, closes_at, kind = process.voting_opens_at, process.voting_closes_at, "vote"
        elif phase == Phase.IDEAS:
            rows = (
                Idea.objects.filter(envelope__process=process)
                .values_list("author__home_area")
                .annotate(n=Count("author", distinct=True))
            )
            counted = Counter({a: n for a, n in rows if a is not None})
            unattributed = sum(n for a, n in rows if a is None)
            opens_at, closes_at, kind = process.ideas_opens_at, process.review_opens_at, "ideas"
        else:
            continue
        opened.append(
            {
                "kind": kind,
                "id": process.pk,
                "title": process.label,
                "titles": {"": process.title, **(process.titles or {})},
                "opens_at": opens_at,
                "closes_at": closes_at,
                "area": None,
                "link": f"/budgets/{process.slug}/",
                "participants": dict(counted),
                "unattributed": unattributed,
            }
        )
    return {
        "counts": {"voters": dict(voters), "pb_money": money, "idea_authors": authors},
        "open": opened,
    }
