"""The demo-data registry. Each app registers a seeder; ``cocity seed-demo`` runs them in order
with one fixed random seed, so the demo city is the same on every machine.

    from cocity.core.seeding import register

    @register("needs", order=20)
    def seed_needs(ctx: SeedContext) -> None: ...
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEMO_SEED = 20261122


@dataclass
class SeedContext:
    scale: int = 1
    # seeded on purpose: the demo data is the same on every run (not for secrets)
    rng: random.Random = field(default_factory=lambda: random.Random(DEMO_SEED))  # noqa: S311
    log: Callable[[str], Any] = print
    shared: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Seeder:
    name: str
    order: int
    func: Callable[[SeedContext], None]


_REGISTRY: dict[str, Seeder] = {}


def register(
    name: str, *, order: int = 50
) -> Callable[[Callable[[SeedContext], None]], Callable[[SeedContext], None]]:
    def decorator(func: Callable[[SeedContext], None]) -> Callable[[SeedContext], None]:
        _REGISTRY[name] = Seeder(name, order, func)
        return func

    return decorator


def seeders() -> list[Seeder]:
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))


def run_all(
    *, scale: int = 1, seed: int = DEMO_SEED, log: Callable[[str], Any] = print
) -> SeedContext:
    from django.db import transaction

    ctx = SeedContext(scale=scale, rng=random.Random(seed), log=log)  # noqa: S311 — seeded demo data
    for seeder in seeders():
        with transaction.atomic():
            ctx.rng.seed(f"{seed}:{seeder.name}")
            seeder.func(ctx)
        log(f"seeded {seeder.name}")
    return ctx
