"""Demo data of the equity app (registered with cocity.core.seeding).

The other apps' demo data already differ by district (poorer districts file fewer reports, the
2026 budget split by open reports gives less to the district that reports less). This seeder
adds the signed-in online voters of the running city-wide budget vote, spread by population
except in Las Canteras (d09), whose residents have barely voted yet, then computes the equity
snapshot, which raises that district's alert."""

from __future__ import annotations

from cocity.budgeting import services as budgeting_services
from cocity.budgeting.models import Ballot, Envelope, Idea, Phase, Process, VoterMark
from cocity.core.models import Area, User
from cocity.core.seeding import SeedContext, register
from cocity.equity.services import equity_refresh

ONLINE_VOTERS = 300  # per unit of --scale
QUIET = "d09"  # the district whose residents have barely voted
QUIET_FACTOR = 0.15


@register("equity", order=90)
def seed_equity(ctx: SeedContext) -> None:
    running = next(
        (p for p in Process.objects.order_by("-voting_opens_at") if p.phase() == Phase.VOTING),
        None,
    )
    districts = list(Area.objects.filter(kind=Area.Kind.DISTRICT).order_by("code"))
    if running is not None and districts:
        envelope = Envelope.objects.filter(process=running, area__isnull=True).first()
        if envelope is not None and not User.objects.filter(email__startswith="voter").exists():
            _online_voters(ctx, envelope, districts)
    snapshot = equity_refresh()
    ctx.log(f"  equity snapshot computed in {snapshot.seconds:.2f} s")


def _online_voters(ctx: SeedContext, envelope: Envelope, districts: list[Area]) -> None:
    total_pop = sum(d.population for d in districts) or 1
    n = ONLINE_VOTERS * ctx.scale
    projects = list(
        Idea.objects.filter(envelope=envelope, status=Idea.Status.ACCEPTED).values_list(
            "pk", flat=True
        )
    )
    if not projects:
        return
    limit = envelope.process.max_choices or len(projects)
    people = [
        User(
            email=f"voter-{d.code}-{i:04d}@demo.cocity.city",
            display_name="",
            home_area=d,
            password="!",  # noqa: S106 — Django's mark for "no usable password"
        )
        for d in districts
        for i in range(
            round(n * d.population / total_pop * (QUIET_FACTOR if d.code == QUIET else 1.0))
        )
    ]
    User.objects.bulk_create(people, batch_size=1000)
    voters = User.objects.filter(email__startswith="voter-").order_by("pk")
    marks, ballots = [], []
    for user in voters:
        chosen = ctx.rng.sample(projects, k=ctx.rng.randint(1, min(limit, len(projects))))
        marks.append(
            VoterMark(envelope=envelope, voter_hash=budgeting_services.voter_hash(envelope, user))
        )
        ballots.append(
            Ballot(
                envelope=envelope,
                choices={str(pk): 1 for pk in sorted(chosen)},
                receipt=budgeting_services.new_receipt(),
                channel="online",
            )
        )
    ctx.rng.shuffle(ballots)
    VoterMark.objects.bulk_create(marks, batch_size=1000)
    Ballot.objects.bulk_create(ballots, batch_size=1000)
    ctx.log(f"  {len(marks)} signed-in online voters in {envelope.process.slug}")
