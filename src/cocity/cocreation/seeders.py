"""Demo co-creation: two challenges with their histories, made through the services.

- Street lighting in the district with the most lights-out reports, led by the city: two
  proposals (one co-written and edited), endorsements, comments, and an initiative in pilot with
  two indicators (one entered, one counted from reports), milestones and measurements.
- Isolation of elderly residents in Los Olivos, led by the demo community organisation: a
  proposal from the organisation, endorsed, taken into co-design.

The services stamp "now"; the demo then moves each step back in time so the timeline reads
as it would have happened (the audit log keeps the real times)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from cocity.cocreation import services
from cocity.cocreation.models import (
    Challenge,
    Comment,
    Initiative,
    Proposal,
    ProposalVersion,
)
from cocity.core.models import Organisation, User
from cocity.core.seeding import SeedContext, register
from cocity.needs.models import Report, ServiceCategory

LIGHTING_BODY = (
    "Replace the broken street lamps on the main walking routes with solar lamps, one every "
    "25 m, starting with the streets around the health centre and the bus stops."
)
LIGHTING_BODY_V2 = (
    "Replace the broken street lamps on the main walking routes with solar lamps, one every "
    "20 m, starting with the streets around the health centre, the school and the bus stops. "
    "Neighbours report lamps that go out through the usual report form."
)


def _user(email: str) -> User:
    return User.objects.get(email=email)


def _backdate(model: Any, pk: int, when: datetime, **extra: Any) -> None:
    model.objects.filter(pk=pk).update(created_at=when, **extra)


def _lighting(ctx: SeedContext, now: datetime) -> None:
    official = _user("official@demo.cocity.city")
    resident = _user("resident@demo.cocity.city")
    neighbour = User.objects.filter(email__startswith="resident0").order_by("email").first()
    category = ServiceCategory.objects.get(code="streetlight")
    start = now - timedelta(days=75)
    busiest = (
        Report.objects.filter(category=category, created_at__lt=start, area__isnull=False)
        .values("area")
        .annotate(n=Count("pk"))
        .order_by("-n", "area")
        .first()
    )
    if busiest is None:
        ctx.log("no street-light reports: lighting challenge skipped")
        return
    reports = list(
        Report.objects.filter(
            category=category, area=busiest["area"], created_at__lt=start
        ).order_by("-created_at")[:6]
    )
    area = reports[0].area
    challenge = services.challenge_create(
        actor=official,
        title=f"Dark streets in {area.name if area else 'the district'}",
        statement=(
            "Street lights go out and stay out for weeks on the main walking routes. People "
            "avoid walking after dark, and the reports keep coming back."
        ),
        most_affected=(
            "Older residents and shift workers who walk home at night; children on the way to "
            "after-school activities in winter."
        ),
        reports=reports,
    )
    _backdate(Challenge, challenge.pk, start)
    first = services.proposal_submit(
        author=resident,
        challenge=challenge,
        title="Solar lamps on the main walking routes",
        body=LIGHTING_BODY,
    )
    _backdate(Proposal, first.pk, start + timedelta(days=3))
    ProposalVersion.objects.filter(proposal=first, number=1).update(
        created_at=start + timedelta(days=3)
    )
    if neighbour is not None:
        services.proposal_invite_coauthor(proposal=first, actor=resident, who=neighbour.email)
        services.proposal_edit(
            proposal=first,
            editor=neighbour,
            title=first.title,
            body=LIGHTING_BODY_V2,
            note="Closer lamps; the school added",
        )
        ProposalVersion.objects.filter(proposal=first, number=2).update(
            created_at=start + timedelta(days=6)
        )
    second = services.proposal_submit(
        author=official if neighbour is None else neighbour,
        challenge=challenge,
        title="A night walk to map the dark spots",
        body="Walk the district one evening with neighbours and mark every dark spot on a map.",
    )
    _backdate(Proposal, second.pk, start + timedelta(days=5))
    organiser = _user("organiser@demo.cocity.city")
    services.proposal_endorse(proposal=first, user=organiser)
    services.proposal_endorse(
        proposal=first, user=organiser, organisation=organiser.organisations.first()
    )
    services.comment_add(
        proposal=first, author=official, body="Which streets would you light first?"
    )
    services.comment_add(proposal=first, author=resident, body="Calle del Olmo, it is pitch dark.")
    initiative = services.initiative_create(proposal=first, actor=official)
    _backdate(Initiative, initiative.pk, start + timedelta(days=10))
    services.gate_decide(
        initiative=initiative,
        actor=official,
        to_stage="codesign",
        criteria="Many reports; residents endorse it; the lighting department can run it.",
        note="Design it with the neighbours: which streets, which lamps, who reports outages.",
        decided_on=(start + timedelta(days=12)).date(),
    )
    baseline = Report.objects.filter(
        category=category,
        area=area,
        created_at__lte=start,
        created_at__gt=start - timedelta(days=30),
    ).count()
    working = services.indicator_add(
        initiative=initiative,
        actor=official,
        name="Street lamps working on the pilot routes",
        unit="%",
        baseline=58,
        target=95,
        target_date=(now + timedelta(days=120)).date(),
    )
    outages = services.indicator_add(
        initiative=initiative,
        actor=official,
        name="Reports of lights out in the district",
        unit="reports in 30 days",
        baseline=baseline,
        target=2,
        target_date=(now + timedelta(days=120)).date(),
        source="reports",
        category=category,
    )
    services.gate_decide(
        initiative=initiative,
        actor=official,
        to_stage="pilot",
        criteria="Goals fixed; budget for 40 lamps; three streets chosen in the workshop.",
        note="Pilot on three streets for four months, then evaluate against the goals.",
        decided_on=(start + timedelta(days=30)).date(),
    )
    survey = services.milestone_add(
        initiative=initiative, actor=official, title="Survey every lamp on the routes", weight=1
    )
    services.milestone_add(
        initiative=initiative, actor=official, title="Install 40 solar lamps", weight=3
    )
    services.milestone_add(
        initiative=initiative, actor=official, title="Repair the remaining old lamps", weight=2
    )
    services.milestone_complete(
        milestone=survey, actor=official, done_on=(start + timedelta(days=38)).date()
    )
    for days, value in [(32, 58), (46, 66), (60, 74), (74, 81)]:
        day = (start + timedelta(days=days)).date()
        services.measurement_record(indicator=working, actor=official, measured_on=day, value=value)
        services.measurement_record(indicator=outages, actor=official, measured_on=day)
    ctx.log(f"challenge {challenge.pk}: lighting, initiative {initiative.pk} in pilot")


def _elderly(ctx: SeedContext, now: datetime) -> None:
    organiser = _user("organiser@demo.cocity.city")
    organisation = organiser.organisations.first()
    if organisation is None:  # pragma: no cover - the core seeder always makes one
        return
    start = now - timedelta(days=40)
    reports = list(
        Report.objects.filter(
            category__code__in=["bus-stop", "pavement"],
            area=organisation.area,
            created_at__lt=start,
        ).order_by("-created_at")[:5]
    )
    if not reports:
        ctx.log("no reports in the organisation's district: elderly challenge skipped")
        return
    challenge = services.challenge_create(
        actor=organiser,
        title="Older neighbours living alone",
        statement=(
            "Many older neighbours rarely leave home: broken pavements and bus stops without "
            "shelter or seats make every trip hard, and some go days without talking to anyone."
        ),
        most_affected="People over 75 living alone, above all in winter.",
        reports=reports,
        organisation=organisation,
    )
    _backdate(Challenge, challenge.pk, start)
    proposal = services.proposal_submit(
        author=organiser,
        challenge=challenge,
        organisation=organisation,
        title="A weekly walking group and a phone circle",
        body=(
            "Volunteers call older neighbours every week and walk with them to the market on "
            "Thursdays; the city fixes the pavements and bus stops on those routes first."
        ),
    )
    _backdate(Proposal, proposal.pk, start + timedelta(days=2))
    resident = _user("resident@demo.cocity.city")
    services.proposal_endorse(proposal=proposal, user=resident)
    services.comment_add(
        proposal=proposal, author=resident, body="My grandmother would love this. Count me in."
    )
    official = _user("official@demo.cocity.city")
    initiative = services.initiative_create(proposal=proposal, actor=official)
    _backdate(Initiative, initiative.pk, start + timedelta(days=9))
    services.gate_decide(
        initiative=initiative,
        actor=official,
        to_stage="codesign",
        criteria="Backed by the neighbours' association; low cost; fits the ageing plan.",
        note="Co-design the routes and the call rota with the association.",
        decided_on=(start + timedelta(days=10)).date(),
    )
    ctx.log(f"challenge {challenge.pk}: elderly isolation, led by {organisation.name}")


@register("cocreation", order=40)
def seed_cocreation(ctx: SeedContext) -> None:
    now = timezone.now()
    _lighting(ctx, now)
    _elderly(ctx, now)
    waiting = Comment.objects.filter(status=Comment.Status.PENDING).count()
    ctx.log(f"{Organisation.objects.count()} organisations; {waiting} comment(s) to moderate")
