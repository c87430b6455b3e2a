"""Demo open data: a first release of every dataset, made after the other apps have seeded."""

from __future__ import annotations

from cocity.core.seeding import SeedContext, register


@register("opendata", order=90)
def seed_opendata(ctx: SeedContext) -> None:
    from cocity.equity.opendata.services import release_publish_all

    made = release_publish_all()
    ctx.log(f"open data: {len(made)} releases")
