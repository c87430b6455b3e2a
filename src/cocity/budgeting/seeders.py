"""Demo budgets: a finished three-district process with about 3,000 generated ballots (online,
with voting codes, and paper sheets entered twice), counted, and a running city-wide one in its
voting phase.

Processes, budgets, ideas, reviews and the tally go through the services. The generated voters
stand for people without an account here (as the core seeder's crowd of residents): their
ballots and voter marks are written in bulk, each mark an HMAC of a made-up voter id."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.crypto import salted_hmac

from cocity.budgeting import services
from cocity.budgeting.models import (
    Ballot,
    Envelope,
    Idea,
    ImplementationProject,
    PaperSheet,
    Process,
    VoterMark,
    VotingCode,
)
from cocity.core import services as core_services
from cocity.core.models import Area, Role, User
from cocity.core.seeding import SeedContext, register

# (title, cost, popularity)
DISTRICT_IDEAS = [
    ("Shade trees on the main square", 42000, 5),
    ("A safe crossing by the school", 18000, 4),
    ("Benches and drinking fountains", 9000, 3),
    ("Repaint the sports court", 12000, 2),
    ("A community vegetable garden", 26000, 3),
    ("LED street lights on the back streets", 35000, 2),
]
CITY_IDEAS = [
    ("Night bus on weekends", 120000, 5),
    ("Protected cycle lane to the station", 180000, 4),
    ("Free wifi in libraries", 30000, 2),
    ("Public toilets in the parks", 90000, 3),
    ("A summer festival in every district", 60000, 2),
]
REJECTED = (
    "A swimming pool on the roundabout",
    "The roundabout carries the ring road's traffic; a pool there cannot be built safely.",
)


def _dates(now: datetime, voting_offset_days: int) -> dict[str, datetime]:
    day = timedelta(days=1)
    voting = now + voting_offset_days * day
    return {
        "ideas_opens_at": voting - 40 * day,
        "review_opens_at": voting - 20 * day,
        "voting_opens_at": voting,
        "voting_closes_at": voting + 21 * day,
        "results_at": voting + 28 * day,
        "implementation_at": voting + 60 * day,
    }


def _build(
    ctx: SeedContext,
    official: User,
    authors: list[User],
    *,
    slug: str,
    title: str,
    title_es: str,
    description: str,
    dates: dict[str, datetime],
    envelopes: list[tuple[str, str, Area | None, int]],
    ideas: list[tuple[str, int, int]],
    description_es: str = "",
    **rules: Any,
) -> Process:
    """A process walked through ideas and review (dates far in the future meanwhile), then
    given its real dates."""
    later = {k: v + timedelta(days=400) for k, v in dates.items()}
    process = services.process_create(
        actor=official,
        slug=slug,
        title=title,
        titles={"es": title_es},
        description=description,
        descriptions={"es": description_es},
        **later,
        **rules,
    )
    services.process_set_phase(actor=official, process=process, phase="ideas")
    for env_slug, name, area, amount in envelopes:
        envelope = services.envelope_create(
            actor=official, process=process, slug=env_slug, name=name, area=area, amount=amount
        )
        for n, (idea_title, _cost, _pop) in enumerate(ideas):
            services.idea_submit(
                author=authors[n % len(authors)],
                envelope=envelope,
                title=idea_title,
                body=f"{idea_title}. Proposed for {name}.",
            )
        services.idea_submit(
            author=authors[0], envelope=envelope, title=REJECTED[0], body="Cool in summer."
        )
    if all(e[2] is not None for e in envelopes):
        services.envelopes_split(
            actor=official, process=process, total=sum(e[3] for e in envelopes), method="need"
        )
    services.process_set_phase(actor=official, process=process, phase="review")
    costs = {t: c for t, c, _p in ideas}
    for idea in Idea.objects.filter(envelope__process=process).order_by("pk"):
        if idea.title == REJECTED[0]:
            services.idea_review(
                actor=official, idea=idea, accept=False, cost=None, reasons=REJECTED[1]
            )
        else:
            services.idea_review(
                actor=official,
                idea=idea,
                accept=True,
                cost=min(costs[idea.title], idea.envelope.amount),
                feasibility="Checked by the works department.",
            )
    services.process_update(actor=official, process=process, **dates)
    return services.process_set_phase(actor=official, process=process, phase="")


def _choices(
    ctx: SeedContext, projects: list[Idea], limit: int, popularity: dict[str, int]
) -> dict[str, int]:
    k = ctx.rng.randint(1, limit)
    weights = [popularity.get(p.title, 1) + ctx.rng.random() * 2 for p in projects]
    chosen: set[int] = set()
    while len(chosen) < min(k, len(projects)):
        chosen.add(ctx.rng.choices(range(len(projects)), weights)[0])
    return {str(projects[j].pk): 1 for j in sorted(chosen)}


def _mark(envelope: Envelope, key: str) -> VoterMark:
    return VoterMark(
        envelope=envelope,
        voter_hash=salted_hmac("cocity.budgeting.demo", key, algorithm="sha256").hexdigest(),
    )


def _ballots(
    ctx: SeedContext,
    envelope: Envelope,
    n: int,
    popularity: dict[str, int],
    *,
    codes: int = 0,
    paper: int = 0,
    officials: tuple[User, ...] = (),
) -> None:
    """``n`` generated approval ballots: each voter picks up to ``max_choices`` projects, more
    popular ones more often. ``codes`` of them are cast with one-time codes (spent code rows of
    a printed batch) and ``paper`` are paper sheets entered twice by two officials (every
    twentieth with a mismatch a third official resolved), in the data shape the services
    write; the rest online."""
    process = envelope.process
    projects = list(envelope.ideas.filter(status=Idea.Status.ACCEPTED).order_by("pk"))
    limit = process.max_choices or len(projects)
    marks, ballots, spent, sheets = [], [], [], []
    when = process.voting_opens_at + timedelta(days=2)
    for i in range(n):
        choices = _choices(ctx, projects, limit, popularity)
        channel = "online"
        if i < codes:
            channel = "code"
            code_hash = services.code_hash(f"demo-{envelope.pk}-code-{i}")
            spent.append(VotingCode(envelope=envelope, code_hash=code_hash, spent_at=when))
            marks.append(_mark(envelope, f"code:{code_hash}"))
        elif i < codes + paper and len(officials) >= 3:
            channel = "paper"
            serial = f"{envelope.slug.upper()}-{i - codes + 1:04d}"
            first, second, third = officials[:3]
            mismatch = (i - codes) % 20 == 19
            sheets.append(
                PaperSheet(
                    envelope=envelope,
                    serial=serial,
                    status=PaperSheet.Status.COUNTED,
                    first_by=first,
                    first_choices=choices,
                    second_by=second,
                    second_choices=(
                        _choices(ctx, projects, limit, popularity) if mismatch else choices
                    ),
                    resolved_by=third if mismatch else None,
                )
            )
            marks.append(_mark(envelope, f"paper:{serial}"))
        else:
            marks.append(_mark(envelope, f"demo-{envelope.pk}-{i}"))
        ballots.append(
            Ballot(
                envelope=envelope,
                choices=choices,
                receipt=services.new_receipt(),
                channel=channel,
            )
        )
    # unspent codes of the same printed batch
    spent += [
        VotingCode(envelope=envelope, code_hash=services.code_hash(f"demo-{envelope.pk}-u{i}"))
        for i in range(codes // 4)
    ]
    ctx.rng.shuffle(ballots)
    VoterMark.objects.bulk_create(marks, batch_size=1000)
    Ballot.objects.bulk_create(ballots, batch_size=1000)
    VotingCode.objects.bulk_create(spent, batch_size=1000)
    PaperSheet.objects.bulk_create(sheets, batch_size=1000)


def _counter() -> User:
    """The official who resolved mismatched paper entries (a third person; no password)."""
    found = User.objects.filter(email="counter@demo.cocity.city").first()
    return found or core_services.user_create(
        email="counter@demo.cocity.city",
        password=None,
        role=Role.OFFICIAL,
        display_name="Elena (paper ballot count)",
    )


@register("budgeting", order=40)
def seed_budgeting(ctx: SeedContext) -> None:
    if Process.objects.exists():
        ctx.log("budgeting: processes exist, skipping")
        return
    official = (
        User.objects.filter(role=Role.OFFICIAL, email__endswith="@demo.cocity.city").first()
        or User.objects.filter(role__in=[Role.OFFICIAL, Role.ADMIN]).first()
    )
    authors = list(User.objects.filter(role=Role.RESIDENT).order_by("pk")[:12])
    districts = list(Area.objects.filter(kind=Area.Kind.DISTRICT).order_by("code")[:3])
    if official is None or not authors or len(districts) < 3:
        ctx.log("budgeting: no official, residents or districts, skipping")
        return
    now = timezone.now()
    done = _build(
        ctx,
        official,
        authors,
        slug="budget-2026",
        title="Participatory budget 2026",
        title_es="Presupuesto participativo 2026",
        description="Three districts decided how to spend 300,000 on their streets and squares.",
        description_es="Tres distritos decidieron cómo gastar 300 000 en sus calles y plazas.",
        dates=_dates(now, -90),
        envelopes=[(a.code, a.name, a, 100000) for a in districts],
        ideas=DISTRICT_IDEAS,
        max_choices=3,
    )
    popularity = {t: p for t, _c, p in DISTRICT_IDEAS}
    managers = User.objects.filter(role__in=[Role.OFFICIAL, Role.ADMIN]).order_by("role", "pk")
    officials = (*managers[:2], _counter())
    for envelope in done.envelopes.all():
        _ballots(
            ctx,
            envelope,
            950 * ctx.scale + ctx.rng.randint(0, 100),
            popularity,
            codes=90 * ctx.scale,
            paper=40 * ctx.scale,
            officials=officials,
        )
    services.process_tally(actor=official, process=done)
    # the funded projects as the city carries them out: one done, one under way per district
    for envelope in done.envelopes.order_by("slug"):
        tracked = ImplementationProject.objects.filter(idea__envelope=envelope).order_by("idea")
        for project, status in zip(tracked, ("done", "in_progress"), strict=False):
            services.implementation_update(actor=official, project=project, status=status)
    running = _build(
        ctx,
        official,
        authors,
        slug="budget-2027",
        title="Participatory budget 2027: the whole city",
        title_es="Presupuesto participativo 2027: toda la ciudad",
        description="Choose up to three city-wide projects. Voting is open.",
        description_es="Elige hasta tres proyectos para toda la ciudad. La votación está abierta.",
        dates=_dates(now, -3),
        envelopes=[("city", "Whole city", None, 400000)],
        ideas=CITY_IDEAS,
        max_choices=3,
    )
    Envelope.objects.filter(process=running, slug="city").update(names={"es": "Toda la ciudad"})
    organiser = User.objects.filter(email="organiser@demo.cocity.city").first()
    if organiser is not None:  # the demo's organisation member helps at a voting booth
        services.booth_helper_grant(actor=official, process=running, user=organiser)
    _ballots(ctx, running.envelopes.get(), 40 * ctx.scale, {t: p for t, _c, p in CITY_IDEAS})
    ctx.log(
        f"budgeting: {done.slug} counted ({Ballot.objects.filter(envelope__process=done).count()} "
        f"ballots), {running.slug} open for voting"
    )
