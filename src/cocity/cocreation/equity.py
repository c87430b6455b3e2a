"""What co-creation contributes to the equity indicators (cocity.equity.sources): distinct
proposal authors per home district over the window. Challenges have no closing date, so no
proposal call is reported as open here (budgeting's idea phase is)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count

from cocity.cocreation.models import Proposal


def equity_counts(*, since: datetime, until: datetime) -> dict[str, Any]:
    authors = dict(
        Proposal.objects.filter(created_at__gte=since, created_at__lt=until)
        .filter(author__home_area__isnull=False)
        .values_list("author__home_area")
        .annotate(n=Count("author", distinct=True))
        .values_list("author__home_area", "n")
    )
    return {"counts": {"proposal_authors": authors}, "open": []}
