"""What deliberation contributes to the equity indicators (cocity.equity.sources): distinct
participants per home district over the window, and each open conversation's participants per
district (people taking part without an account, or without a home district, are counted as
unattributed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from cocity.deliberation.models import Conversation, Participant


def equity_counts(*, since: datetime, until: datetime) -> dict[str, Any]:
    window = Participant.objects.filter(created_at__gte=since, created_at__lt=until)
    per_area = dict(
        window.filter(user__home_area__isnull=False)
        .values_list("user__home_area")
        .annotate(n=Count("user", distinct=True))
        .values_list("user__home_area", "n")
    )
    now = timezone.now()
    live = Conversation.objects.filter(
        Q(opens_at__isnull=True) | Q(opens_at__lte=now), closes_at__gt=now
    ).order_by("pk")
    opened = []
    for conversation in live:
        rows = (
            Participant.objects.filter(conversation=conversation)
            .values_list("user__home_area")
            .annotate(n=Count("pk"))
        )
        counts = {area: n for area, n in rows if area is not None}
        opened.append(
            {
                "kind": "conversation",
                "id": conversation.pk,
                "title": conversation.topic,
                "opens_at": conversation.opens_at or conversation.created_at,
                "closes_at": conversation.closes_at,
                "area": conversation.area_id,
                "link": f"/conversations/{conversation.pk}/",
                "participants": counts,
                "unattributed": sum(n for area, n in rows if area is None),
            }
        )
    return {"counts": {"conversation_participants": per_area}, "open": opened}
