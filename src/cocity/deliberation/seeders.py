"""Demo conversations: vTaiwan's UberX conversation (Polis open data, CC BY 4.0) when the shared
data folder is present, and a small local conversation of the demo city."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from cocity.core.models import Role, User
from cocity.core.seeding import SeedContext, register
from cocity.deliberation import services
from cocity.deliberation.models import Conversation, Participant, Statement, Vote

#: The shared Polis conversations next to the repository (absent on most machines).
POLIS_DATA = Path(__file__).resolve().parents[3].parent / "shared/data/polis"
VTAIWAN = "vtaiwan.uberx"
VTAIWAN_CASE_STUDY = "https://compdemocracy.org/case-studies/2015-vtaiwan-uberx"

LOCAL_TOPIC = "How should the riverside park change?"
LOCAL_DESCRIPTION = (
    "The city will renovate the riverside park next year. Say what matters to you in short "
    "statements and vote on the others'. The results map the groups of opinion and what "
    "everyone agrees on."
)
# (statement, camp A's usual vote, camp B's usual vote)
LOCAL_STATEMENTS = [
    ("Keep the park open to cars on weekdays.", -1, 1),
    ("Replace the car park with a playground.", 1, -1),
    ("Add more benches in the shade.", 1, 1),
    ("Light the river path at night.", 1, 1),
    ("Build a covered market on the car park.", 1, -1),
    ("Allow dogs off the lead in a fenced area.", 0, 1),
    ("Close the park at 22:00 to reduce noise.", -1, 1),
    ("Plant fruit trees that neighbours can harvest.", 1, 0),
    ("Keep the existing parking spaces for shop customers.", -1, 1),
    ("Hold a yearly open-air festival in the park.", 1, -1),
]


def polis_attribution(sources: Path, case_study: str) -> str:
    """The attribution statement SOURCES.md quotes, with the conversation's case-study link."""
    text = sources.read_text(encoding="utf-8") if sources.is_file() else ""
    quoted = " ".join(
        line.strip()[1:].strip() for line in text.splitlines() if line.strip().startswith(">")
    )
    if not quoted:
        quoted = (
            "Data was gathered using the Polis software (compdemocracy.org/polis) and is "
            "sub-licensed under CC BY 4.0 with Attribution to The Computational Democracy "
            "Project. The data and more information about how the data was collected can be "
            "found at the following link(s): <links to individual case study URLs>"
        )
    return re.sub(r"<links? to [^>]*>", case_study, quoted)


def seed_local(ctx: SeedContext, host: User | None) -> Conversation:
    now = timezone.now()
    conversation = services.conversation_create(
        actor=host,
        topic=LOCAL_TOPIC,
        description=LOCAL_DESCRIPTION,
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=60),
        allow_anonymous=True,
        seed_statements=[s for s, _a, _b in LOCAL_STATEMENTS],
    )
    statements = list(conversation.statements.order_by("number"))
    n = 24 * ctx.scale
    start = conversation.participants.count()
    people = Participant.objects.bulk_create(
        [
            Participant(conversation=conversation, number=start + i, session_key=f"demo-{i}")
            for i in range(n)
        ]
    )
    if any(p.pk is None for p in people):  # pragma: no cover - old SQLite
        people = list(conversation.participants.filter(number__gte=start).order_by("number"))
    votes = []
    for i, person in enumerate(people):
        camp = 1 if i % 3 == 0 else 2  # two camps, one larger
        for statement, (_text, a, b) in zip(statements, LOCAL_STATEMENTS, strict=True):
            if ctx.rng.random() < 0.15:
                continue  # not everyone sees every statement
            value = a if camp == 1 else b
            if ctx.rng.random() < 0.1:
                value = ctx.rng.choice((-1, 0, 1))
            votes.append(
                Vote(
                    conversation=conversation,
                    participant=person,
                    statement=statement,
                    value=value,
                    voted_at=now - timedelta(minutes=ctx.rng.randint(1, 3000)),
                )
            )
    Vote.objects.bulk_create(votes, batch_size=2000)
    services.statement_submit(
        conversation=conversation,
        body="Put drinking fountains near the playground.",
        session_key="demo-1",
    )
    services.analysis_run(conversation=conversation)
    return conversation


@register("deliberation", order=30)
def seed_deliberation(ctx: SeedContext) -> None:
    host = (
        User.objects.filter(role=Role.OFFICIAL, email__endswith="@demo.cocity.city").first()
        or User.objects.filter(role__in=[Role.OFFICIAL, Role.ADMIN]).first()
    )
    folder = POLIS_DATA / VTAIWAN
    if folder.is_dir():
        conversation = services.conversation_import_polis(
            folder=folder,
            attribution=polis_attribution(POLIS_DATA / "SOURCES.md", VTAIWAN_CASE_STUDY),
            description=(
                "vTaiwan's 2015 conversation on how to regulate UberX, imported from the Polis "
                "open data (closed; read-only here)."
            ),
            language="zh",  # its statements are in Chinese (Taiwan)
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            closes_at=timezone.now() - timedelta(days=1),
            opens_at=timezone.now() - timedelta(days=30),
        )
        ctx.log(f"imported {VTAIWAN}: {conversation.statements.count()} statements")
    else:
        ctx.log(f"{folder} not found: vTaiwan demo conversation skipped")
    local = seed_local(ctx, host)
    pending = local.statements.filter(status=Statement.Status.PENDING).count()
    ctx.log(f"local conversation with {pending} statement(s) waiting for moderation")
