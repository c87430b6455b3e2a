"""Reads of the investment app."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet, Sum

from cocity.investment.models import Campaign, MatchingCall, Offering, Pledge, VolunteerRole


def campaigns() -> QuerySet[Campaign]:
    return (
        Campaign.objects.select_related("area", "call", "organisation", "initiative", "idea")
        # everything pledged, the released pledges of a failed campaign included
        .annotate(pledged=Sum("pledges__amount"))
        .annotate(n_pledges=Count("pledges"))
        .order_by("deadline", "pk")
    )


def campaign_get(slug: str) -> Campaign:
    return campaigns().get(slug=slug)


def calls() -> QuerySet[MatchingCall]:
    return MatchingCall.objects.select_related("sponsor").annotate(n_campaigns=Count("campaigns"))


def call_get(slug: str) -> MatchingCall:
    return calls().get(slug=slug)


def offerings() -> QuerySet[Offering]:
    return Offering.objects.select_related("organisation").annotate(
        requested=Sum("requests__units"), n_requests=Count("requests")
    )


def offering_get(slug: str) -> Offering:
    return offerings().get(slug=slug)


def roles(campaign: Campaign) -> QuerySet[VolunteerRole]:
    return campaign.roles.annotate(taken=Count("signups")).prefetch_related("signups__volunteer")


def ledger(campaign: Campaign) -> list[dict[str, Any]]:
    """The campaign's public ledger: every pledge's amount, round and status; a name only for
    those who chose to be named."""
    return [
        {
            "created_at": pledge.created_at,
            "amount": pledge.amount,
            "round": pledge.round,
            "status": pledge.status,
            "status_display": pledge.get_status_display(),
            "name": pledge.pledger.public_name if pledge.named else "",
        }
        for pledge in campaign.pledges.select_related("pledger").order_by("created_at", "pk")
    ]


def my_pledges(campaign: Campaign, user: Any) -> QuerySet[Pledge]:
    if not user.is_authenticated:
        return Pledge.objects.none()
    return campaign.pledges.filter(pledger=user)
