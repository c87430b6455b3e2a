"""Fixtures of the deliberation tests: a conversation with seed statements and two camps."""

from __future__ import annotations

from typing import Any

import pytest

from cocity.deliberation import services
from cocity.deliberation.models import Conversation

SEEDS = [
    "More buses at night.",
    "Close the centre to cars on Sundays.",
    "Plant trees on every school street.",
    "Build a new car park near the market.",
    "Keep parking free in the old town.",
    "Widen the pavements on the high street.",
    "Cut the speed limit to 30 km/h.",
    "Fix the potholes first.",
]
# camp A agrees with 0-3 and 5-6, disagrees with the car statements; camp B the reverse;
# everyone agrees with the last one (common ground).
CAMP_A = [1, 1, 1, -1, -1, 1, 1, 1]
CAMP_B = [-1, -1, -1, 1, 1, -1, -1, 1]


@pytest.fixture
def conversation(city: dict[str, Any]) -> Conversation:
    return services.conversation_create(
        actor=city["users"]["official"],
        topic="How should we get around?",
        description="Transport in the city.",
        allow_anonymous=True,
        seed_statements=SEEDS,
    )


def vote_camps(conversation: Conversation, n: int = 30) -> None:
    """n anonymous participants in two clearly opposed camps, voting through the service."""
    statements = list(conversation.statements.order_by("number"))
    for i in range(n):
        camp = CAMP_A if i % 2 == 0 else CAMP_B
        for statement, value in zip(statements, camp, strict=True):
            services.vote_cast(statement=statement, value=value, session_key=f"s{i}")


@pytest.fixture
def camps(conversation: Conversation) -> Conversation:
    vote_camps(conversation)
    return conversation
