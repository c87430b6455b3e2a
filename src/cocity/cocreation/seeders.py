"""Demo co-creation: three challenges with their histories, made through the services.

- Street lighting in the district with the most lights-out reports, led by the city: two
  proposals (one co-written and edited), endorsements, comments, and an initiative in pilot with
  two indicators (one entered, one counted from reports), milestones and measurements.
- Isolation of elderly residents in Los Olivos, led by the demo community organisation: a
  proposal from the organisation, endorsed, taken into co-design.
- Air quality near schools in the district whose sensors read the most PM2.5, led by the city:
  a school-streets proposal amended by a resident (accepted), a workshop at the school hosted by
  the residents' association (minutes, attendance, the proposal it shaped), the residents'
  survey at each gate, a pilot whose PM2.5 indicator is filled from the sensing app, and an
  evaluation meeting ahead with registration open.

The services stamp "now"; the demo then moves each step back in time so the timeline reads
as it would have happened (the audit log keeps the real times)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from cocity.cocreation import selectors, services
from cocity.cocreation.models import (
    Challenge,
    Comment,
    Initiative,
    Meeting,
    MeetingRegistration,
    Proposal,
    ProposalAmendment,
    ProposalVersion,
)
from cocity.core.errors import DomainError
from cocity.core.models import Area, Organisation, User
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
    _survey(
        initiative,
        [(resident, 5, True, "Please start with Calle del Olmo."), (organiser, 4, True, "")],
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


def _survey(initiative: Initiative, answers: list[tuple[User | None, int, bool, str]]) -> None:
    for user, rating, go_ahead, comment in answers:
        if user is not None:
            services.survey_answer(
                initiative=initiative, user=user, rating=rating, go_ahead=go_ahead, comment=comment
            )


def _air_quality(ctx: SeedContext, now: datetime) -> None:
    """Air quality near schools: its evidence is residents' reports and the district's sensors;
    its pilot's indicator is filled from the sensing app."""
    from django.db.models import Avg

    from cocity.needs import services as needs_services
    from cocity.sensing.models import Reading

    worst = (
        Reading.objects.filter(quantity="pm25", sensor__area__isnull=False)
        .values("sensor__area")
        .annotate(mean=Avg("value"))
        .order_by("-mean", "sensor__area")
        .first()
    )
    if worst is None:
        ctx.log("no air-quality readings: air-quality challenge skipped")
        return
    area = Area.objects.get(pk=worst["sensor__area"])
    official = _user("official@demo.cocity.city")
    resident = _user("resident@demo.cocity.city")
    organiser = _user("organiser@demo.cocity.city")
    moderator = _user("moderator@demo.cocity.city")
    neighbours = list(User.objects.filter(email__startswith="resident0").order_by("email")[:6])
    start = now - timedelta(days=45)
    complaints = [
        ("bus-stop", "Buses wait at the school stop with their engines running every morning."),
        ("fly-tipping", "Rubbish burnt on the empty plot next to the school: smoke in the yard."),
        ("bus-stop", "Parents' cars idle on the pavement at the school gate, children breathe it."),
        ("fly-tipping", "Building rubble dumped and burnt by the nursery school."),
        ("bus-stop", "The stop by the secondary school has no shelter from the traffic fumes."),
    ]
    reports = []
    for k, (code, text) in enumerate(complaints):
        report = needs_services.report_submit(
            category=code,
            description=text,
            lat=area.centroid_lat + 0.0007 * (k - 2),
            lon=area.centroid_lon - 0.0005 * (k - 2),
            reporter=neighbours[k % len(neighbours)] if neighbours else resident,
        )
        Report.objects.filter(pk=report.pk).update(created_at=start - timedelta(days=20 - 3 * k))
        reports.append(report)
    challenge = services.challenge_create(
        actor=official,
        title=f"Air quality near the schools of {area.name}",
        statement=(
            "The district's sensors read the highest fine-particle (PM2.5) levels of the city at "
            "school drop-off and pick-up times, and parents report idling engines and burning "
            "rubbish next to the schools."
        ),
        most_affected="Children walking to school and their families; staff on playground duty.",
        reports=reports,
        areas=[area],
    )
    _backdate(Challenge, challenge.pk, start)
    proposal = services.proposal_submit(
        author=resident,
        challenge=challenge,
        title="School streets: no cars at the gates at drop-off and pick-up",
        body=(
            "Close the streets in front of the schools to motor traffic for 30 minutes at the "
            "start and the end of the school day, with a teacher and a volunteer at each end."
        ),
    )
    _backdate(Proposal, proposal.pk, start + timedelta(days=2))
    ProposalVersion.objects.filter(proposal=proposal, number=1).update(
        created_at=start + timedelta(days=2)
    )
    amendment = services.amendment_propose(
        proposal=proposal,
        author=organiser,
        title=proposal.title,
        body=(
            "Close the streets in front of the schools to motor traffic for 30 minutes at the "
            "start and the end of the school day, with a teacher and a volunteer at each end. "
            "Move the bus stop 100 m away from the gate and ask drivers to switch off their "
            "engines while they wait."
        ),
        reason="The buses idling at the gate are half of the problem.",
    )
    services.amendment_decide(amendment=amendment, actor=resident, accept=True)
    ProposalAmendment.objects.filter(pk=amendment.pk).update(
        created_at=start + timedelta(days=4), decided_at=start + timedelta(days=5)
    )
    ProposalVersion.objects.filter(proposal=proposal, number=2).update(
        created_at=start + timedelta(days=5)
    )
    services.amendment_propose(
        proposal=proposal,
        author=moderator,
        title="Ban all cars from the district",
        body="Ban every car from the whole district, all day.",
        reason="Go further.",
    )
    services.proposal_endorse(proposal=proposal, user=organiser)
    services.proposal_endorse(
        proposal=proposal, user=organiser, organisation=organiser.organisations.first()
    )
    for n in neighbours[:4]:
        services.proposal_endorse(proposal=proposal, user=n)
    services.comment_add(
        proposal=proposal, author=official, body="Which school would you start with?"
    )
    # a workshop at the school, hosted by the residents' association
    held = start + timedelta(days=8, hours=17)
    workshop = services.meeting_create(
        challenge=challenge,
        actor=organiser,
        title="Workshop: a school street for our children",
        agenda=(
            "1. What the sensors show at the school gates\n2. Which streets to close and when\n"
            "3. Who volunteers at each end"
        ),
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=2),
        place=f"Primary school hall, {area.name}",
        accessibility="Step-free entrance from the yard; hearing loop; childcare in room 3.",
        capacity=30,
        organisation=organiser.organisations.first(),
    )
    Meeting.objects.filter(pk=workshop.pk).update(
        starts_at=held, ends_at=held + timedelta(hours=2), created_at=start + timedelta(days=3)
    )
    attendees = [resident, *neighbours[:5]]
    for person in attendees:
        MeetingRegistration.objects.create(meeting=workshop, user=person)
    workshop.refresh_from_db()
    services.meeting_report(
        meeting=workshop,
        actor=organiser,
        minutes=(
            "24 parents, 3 teachers and 2 drivers came. We chose the street of the primary school "
            "for a pilot, 8:30 to 9:00 and 16:30 to 17:00; eleven volunteers signed up."
        ),
        attended=[p.pk for p in attendees[:4]],
        proposals=[proposal],
    )
    initiative = services.initiative_create(proposal=proposal, actor=official)
    _backdate(Initiative, initiative.pk, start + timedelta(days=10))
    _survey(initiative, [(resident, 5, True, ""), *((n, 4, True, "") for n in neighbours[:3])])
    services.gate_decide(
        initiative=initiative,
        actor=official,
        to_stage="codesign",
        criteria="Sensor evidence; backed by parents and the association; low cost.",
        note="Design the school street with the school, parents and the bus company.",
        decided_on=(start + timedelta(days=12)).date(),
    )
    first_day = timezone.localdate() - timedelta(days=13)
    baseline = selectors.sensor_mean_between(area=area, quantity="pm25", days=3, last=first_day)
    indicator = services.indicator_add(
        initiative=initiative,
        actor=official,
        name=f"Fine particles (PM2.5), daily mean in {area.name}",
        unit="µg/m³",
        baseline=baseline if baseline is not None else 20,
        target=round(float(baseline or 20) * 0.75, 1),
        target_date=(now + timedelta(days=150)).date(),
        source="sensors",
        quantity="pm25",
    )
    services.indicator_add(
        initiative=initiative,
        actor=official,
        name="Children walking or cycling to the primary school",
        unit="%",
        baseline=41,
        target=60,
        target_date=(now + timedelta(days=150)).date(),
    )
    _survey(
        initiative,
        [
            (resident, 4, True, "Good plan; make sure the buses move too."),
            *(
                (n, r, g, c)
                for n, r, g, c in zip(
                    neighbours[:3],
                    [5, 3, 2],
                    [True, True, False],
                    ["", "Traffic will go round the block.", "Too early for a pilot."],
                    strict=False,
                )
            ),
        ],
    )
    services.gate_decide(
        initiative=initiative,
        actor=official,
        to_stage="pilot",
        criteria="Goals fixed: PM2.5 measured by the district's sensors; a count of walkers.",
        note="Pilot at the primary school until the end of term; evaluate against the goals.",
        decided_on=first_day - timedelta(days=1),
    )
    gates = services.milestone_add(
        initiative=initiative, actor=official, title="Signs and barriers at both ends", weight=2
    )
    services.milestone_add(
        initiative=initiative, actor=official, title="Move the bus stop 100 m", weight=3
    )
    services.milestone_complete(milestone=gates, actor=official, done_on=first_day)
    recorded = 0
    for k in range(13):
        day = first_day + timedelta(days=k)
        try:
            services.measurement_record(indicator=indicator, actor=None, measured_on=day)
        except DomainError:
            continue
        recorded += 1
    # the evaluation meeting ahead: registration open
    ahead = now.replace(minute=0, second=0, microsecond=0) + timedelta(days=12, hours=3)
    evaluation = services.meeting_create(
        challenge=challenge,
        actor=official,
        title="Online meeting: how is the school street going?",
        agenda="1. The PM2.5 readings since the pilot began\n2. Your survey answers\n3. Next steps",
        format="online",
        starts_at=ahead,
        ends_at=ahead + timedelta(hours=1),
        online_url="https://meet.example.org/school-street",
        accessibility="Live captions; join by phone on 900 100 200.",
        capacity=3,
    )
    for person in [organiser, *neighbours[:3]]:
        services.meeting_register(meeting=evaluation, user=person)
    ctx.log(
        f"challenge {challenge.pk}: air quality in {area.name}, initiative {initiative.pk} in "
        f"pilot, {recorded} PM2.5 values from the sensors"
    )


@register("cocreation", order=50)
def seed_cocreation(ctx: SeedContext) -> None:
    now = timezone.now()
    _lighting(ctx, now)
    _elderly(ctx, now)
    _air_quality(ctx, now)
    waiting = Comment.objects.filter(status=Comment.Status.PENDING).count()
    ctx.log(f"{Organisation.objects.count()} organisations; {waiting} comment(s) to moderate")
