"""Demo data of the investment app (registered with cocity.core.seeding): one matched call with
five campaigns (one misses its minimum) and its split computed, one volunteer campaign, one
oversubscribed offering allocated by lottery."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cocity.budgeting.models import Result
from cocity.cocreation.models import Initiative
from cocity.core.models import Area, Organisation, Role, User
from cocity.core.seeding import SeedContext, register
from cocity.investment import services
from cocity.investment.models import MatchingCall


@register("investment", order=60)
def seed_investment(ctx: SeedContext) -> None:
    if MatchingCall.objects.exists():
        ctx.log("investment: calls exist, skipping")
        return
    official = (
        User.objects.filter(role__in=[Role.OFFICIAL, Role.ADMIN]).order_by("role", "pk").first()
    )
    organisations = list(Organisation.objects.order_by("pk"))
    if official is None or not organisations:
        ctx.log("investment: no official or organisation, skipping")
        return
    areas = list(Area.objects.filter(kind=Area.Kind.DISTRICT).order_by("code"))
    residents = list(User.objects.filter(role=Role.RESIDENT).order_by("pk"))
    now = timezone.now()
    under_served = areas[-1].code if areas else ""
    call = services.call_create(
        actor=official,
        slug="matchfund-2026",
        title="Neighbourhood matchfund 2026",
        description="The city matches what neighbours pledge to community projects.",
        sponsor=organisations[0],
        rule={
            "kind": "qf",
            "pot": 2_000_000,
            "cap": 800_000,
            "threshold": 50_000,
            "district_weights": {under_served: "1.5"} if under_served else {},
        },
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=1),
    )
    # the projects: initiatives of co-creation, winners of the counted budget, organisations'
    projects: list[dict[str, object]] = [
        {"initiative": initiative, "title": initiative.title}
        for initiative in Initiative.objects.order_by("pk")[:2]
    ]
    result = Result.objects.order_by("pk").first()
    if result is not None:
        from cocity.budgeting.models import Idea

        winners = Idea.objects.filter(pk__in=[int(w) for w in result.winners[:2]])
        projects.extend({"idea": idea, "title": idea.title} for idea in winners)
    titles = ["Community kitchen in the old market", "Repair café", "Playground shade sails"]
    n = 0
    while len(projects) < 5:
        org = organisations[n % len(organisations)]
        projects.append({"organisation": org, "title": titles[n % len(titles)]})
        n += 1
    minimums = [100_000, 80_000, 150_000, 60_000, 2_500_000]  # the last misses its minimum
    campaigns = []
    for i, project in enumerate(projects[:5]):
        title = str(project.pop("title"))
        campaigns.append(
            services.campaign_create(
                actor=official,
                slug=f"matchfund-{i + 1}",
                title=title,
                description="Pledge now: the city's pot matches every neighbour who joins.",
                area=areas[i % len(areas)] if areas else None,
                call=call,
                goal_minimum=minimums[i],
                goal_optimum=minimums[i] * 2,
                deadline=call.closes_at,
                **project,  # type: ignore[arg-type]
            )
        )
    for resident in residents[:48]:
        for campaign in ctx.rng.sample(campaigns, k=ctx.rng.randint(1, 3)):
            services.pledge_make(
                pledger=resident,
                campaign=campaign,
                amount=ctx.rng.choice([1_000, 2_000, 2_500, 5_000, 10_000, 25_000, 50_000]),
                named=ctx.rng.random() < 0.3,
            )
    # a big donor on the third: quadratic funding weighs many small pledges over one large one
    if residents:
        services.pledge_make(pledger=residents[-1], campaign=campaigns[2], amount=300_000)
    services.call_close(actor=official, call=call)

    volunteer = services.campaign_create(
        actor=official,
        slug="trees-2026",
        title="Plant 200 street trees",
        description="Bring gloves: we plant, water and mulch together.",
        organisation=organisations[-1],
        area=areas[0] if areas else None,
        deadline=now + timedelta(days=40),
    )
    for days, title, slots in [(14, "Planting morning", 30), (21, "Watering crew", 12)]:
        role = services.role_add(
            actor=official,
            campaign=volunteer,
            title=title,
            starts_at=(now + timedelta(days=days)).replace(hour=9, minute=0, second=0),
            slots=slots,
            hours=3,
        )
        for resident in ctx.rng.sample(residents, k=min(len(residents), slots // 2)):
            services.signup_make(volunteer=resident, role=role, named=ctx.rng.random() < 0.3)

    offering = services.offering_create(
        actor=official,
        slug="solar-sports-hall",
        title="Citizen solar plant on the sports hall roof",
        description="Buy panels of the plant and rent them back to the city.",
        organisation=organisations[0],
        unit_price=25_000,
        units=150,
        cap_per_person=10,
        term="10 years; the city buys the panels back at the end",
        stated_return="1.75 % a year, paid as a rebate on the electricity bill (not guaranteed)",
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=1),
        seed="solar-sports-hall-2026",
    )
    for resident in residents[:50]:
        services.offering_request(
            applicant=resident, offering=offering, units=ctx.rng.randint(1, 10)
        )
    services.offering_allocate(actor=official, offering=offering)
    ctx.log("investment: matchfund-2026 computed, trees-2026 open, solar-sports-hall allocated")
