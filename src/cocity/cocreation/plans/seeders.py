"""Demo co-written plan: a green streets plan drafted by the city, commented on and amended by
residents and the neighbours' association, with two amendments accepted, one rejected, one
still open, a comment taken into account, and version 2 published. The services stamp "now";
the seeder then moves each step back in time (the audit log keeps the real times)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cocity.cocreation.models_plans import Amendment, Plan, PlanComment, PlanVersion
from cocity.cocreation.plans import services
from cocity.core.models import User
from cocity.core.seeding import SeedContext, register

DRAFT = """# Green streets plan 2027–2030

How the city brings shade, water and quiet to its streets in four years. This draft is open to
comments and amendments; officials answer each amendment with a reason.

## Trees and shade

Plant 500 new trees by 2030 on the widest streets, starting with the streets around schools.
Every new tree is watered by the parks service for its first three summers.

## Rain water

Collect rain water from the roofs of public buildings and use it to water the parks.

## Quiet streets

Lower the speed limit to 30 km/h on residential streets near schools and health centres.

## Paying for it

The plan costs 4.2 million euros over four years, from the city budget and European funds.
"""

COMMENTS = [
    ("Trees and shade", "More shade at the bus stops, please: we wait in the sun every summer."),
    ("Trees and shade", "Bus stops need shade more than anything, the sun is terrible."),
    ("Trees and shade", "Please put shade at the bus stops on the main avenue."),
    ("Trees and shade", "Who looks after the trees after three summers?"),
    ("Rain water", "Schools have big roofs too: collect their rain water as well."),
    ("Quiet streets", "30 km/h near schools is good; add raised crossings so drivers slow down."),
    ("Quiet streets", "Raised crossings at schools would make 30 km/h real."),
]


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


@register("cocreation_plans", order=41)
def seed_plans(ctx: SeedContext) -> None:
    official = _user("official@demo.cocity.city")
    resident = _user("resident@demo.cocity.city")
    organiser = _user("organiser@demo.cocity.city")
    if official is None or resident is None or organiser is None:
        ctx.log("no demo people: plan skipped")
        return
    neighbours = list(User.objects.filter(email__startswith="resident0").order_by("email")[:4]) or [
        resident
    ]
    now = timezone.now()
    start = now - timedelta(days=30)
    plan = services.plan_import(actor=official, markdown=DRAFT, note="Draft for consultation")
    sections = {s.heading: s for s in plan.sections.all()}
    for i, (heading, body) in enumerate(COMMENTS):
        author = neighbours[i % len(neighbours)]
        services.plan_comment_add(section=sections[heading], author=author, body=body)
    services.plan_comment_add(
        section=sections["Trees and shade"],
        author=resident,
        body="Why only the widest streets? Narrow streets are the hottest.",
        quote="on the widest streets",
    )
    trees = services.amendment_propose(
        section=sections["Trees and shade"],
        author=resident,
        quote="Plant 500 new trees by 2030",
        text="Plant 800 new trees by 2030",
        reason="500 trees leave most streets without shade; the neighbours asked for more.",
    )
    for person in neighbours:
        if person.pk != resident.pk:
            services.amendment_support(amendment=trees, user=person)
    water = services.amendment_propose(
        section=sections["Rain water"],
        author=organiser,
        organisation=organiser.organisations.first(),
        text=(
            "Collect rain water from the roofs of public buildings and schools and use it to "
            "water the parks and the school gardens."
        ),
        reason="Schools have the largest roofs in Los Olivos.",
    )
    rejected = services.amendment_propose(
        section=sections["Quiet streets"],
        author=neighbours[-1],
        quote="30 km/h",
        text="20 km/h",
        reason="Slower is safer.",
    )
    services.amendment_propose(
        section=sections["Paying for it"],
        author=resident,
        text=(
            "The plan costs 4.2 million euros over four years, from the city budget and European "
            "funds. Each year the city publishes what was spent, street by street."
        ),
        reason="So we can follow the money.",
    )
    services.amendment_decide(
        amendment=trees, actor=official, accept=True, reason="Agreed: the budget allows 800 trees."
    )
    services.amendment_decide(
        amendment=water, actor=official, accept=True, reason="Good idea; schools agreed."
    )
    services.amendment_decide(
        amendment=rejected,
        actor=official,
        accept=False,
        reason="The national rules set 30 km/h as the lowest general limit on these streets.",
    )
    raised = PlanComment.objects.filter(body__startswith="30 km/h near schools").first()
    if raised is not None:
        services.plan_comment_address(comment=raised, actor=official)
        quiet = sections["Quiet streets"]
        services.section_edit(
            section=quiet,
            actor=official,
            body=quiet.body + " Crossings next to schools are raised so drivers slow down.",
        )
    # the organiser and the resident follow the plan: they are told of version 2
    for person in (organiser, resident):
        services.plan_follow(plan=plan, user=person)
    services.plan_publish(plan=plan, actor=official, note="After the first round of comments")
    # an advert among the comments, flagged for the moderators (waiting on their page)
    advert = services.plan_comment_add(
        section=sections["Rain water"],
        author=neighbours[-1],
        body="Rain barrels at half price this week, write to me for the shop's address!",
    )
    if advert.author_id != organiser.pk:
        services.plan_comment_flag(
            comment=advert, user=organiser, reason="An advert, not about the plan"
        )
    # back in time: the draft a month ago, contributions over two weeks, version 2 last week
    Plan.objects.filter(pk=plan.pk).update(created_at=start)
    PlanVersion.objects.filter(plan=plan, number=1).update(created_at=start)
    PlanVersion.objects.filter(plan=plan, number=2).update(created_at=now - timedelta(days=7))
    for i, pk in enumerate(
        PlanComment.objects.filter(section__plan=plan).order_by("pk").values_list("pk", flat=True)
    ):
        PlanComment.objects.filter(pk=pk).update(created_at=start + timedelta(days=1 + i))
    for i, pk in enumerate(
        Amendment.objects.filter(section__plan=plan).order_by("pk").values_list("pk", flat=True)
    ):
        Amendment.objects.filter(pk=pk).update(created_at=start + timedelta(days=3 + i))
    Amendment.objects.filter(section__plan=plan).exclude(decided_at=None).update(
        decided_at=now - timedelta(days=9)
    )
    ctx.log(
        f"plan {plan.pk}: two versions, {len(COMMENTS) + 2} comments (one flagged), "
        "4 amendments, 2 followers"
    )
