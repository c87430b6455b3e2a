from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cocity.core.errors import Conflict, DomainError, NotAllowed
from cocity.core.models import Notification, User
from cocity.investment import selectors, services
from cocity.investment.models import Campaign, Pledge

pytestmark = pytest.mark.django_db


def _people(n: int) -> list[User]:
    return [User.objects.create(email=f"p{i}@example.org", display_name=f"P{i}") for i in range(n)]


def test_call_closes_releases_the_failed_and_matches_the_rest(
    invest: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    benches, kitchen = invest["campaigns"]
    people = _people(3)
    with django_capture_on_commit_callbacks(execute=True):
        for person in people:
            services.pledge_make(pledger=person, campaign=benches, amount=2_500)
        services.pledge_make(pledger=people[0], campaign=kitchen, amount=4_000, named=True)
        call = services.call_close(actor=invest["users"]["official"], call=invest["call"])
    benches.refresh_from_db()
    kitchen.refresh_from_db()
    assert benches.status == Campaign.Status.SUCCEEDED
    assert kitchen.status == Campaign.Status.FAILED
    assert set(kitchen.pledges.values_list("status", flat=True)) == {Pledge.Status.RELEASED}
    split = {p["id"]: p["match"] for p in call.result["projects"]}
    assert split == {"benches": 6_000, "kitchen": 0}  # 7,500 matched 1:1, capped at 6,000
    assert len(call.result_sha256) == 64
    verbs = set(Notification.objects.filter(recipient=people[0]).values_list("verb", flat=True))
    assert {"invest.pledged", "invest.missed", "invest.funded", "invest.matched"} <= verbs
    with pytest.raises(Conflict):
        services.pledge_make(pledger=people[1], campaign=benches, amount=100)


def test_the_rule_is_fixed_once_the_call_opens(invest: dict[str, Any]) -> None:
    official = invest["users"]["official"]
    with pytest.raises(Conflict):
        services.call_set_rule(actor=official, call=invest["call"], rule={"kind": "qf", "pot": 1})
    later = services.call_create(
        actor=official,
        slug="later",
        title="Later",
        sponsor=invest["organisation"],
        rule={"kind": "fixed", "pot": 1},
        opens_at=timezone.now() + timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=2),
    )
    services.call_set_rule(actor=official, call=later, rule={"kind": "qf", "pot": 5})
    with pytest.raises(DomainError):
        services.call_set_rule(actor=official, call=later, rule={"kind": "nope", "pot": 5})
    with pytest.raises(NotAllowed):
        services.call_set_rule(actor=invest["users"]["resident"], call=later, rule={})


def test_ledger_names_only_who_chose_and_export_has_no_names(invest: dict[str, Any]) -> None:
    benches = invest["campaigns"][0]
    named, hidden = _people(2)
    services.pledge_make(pledger=named, campaign=benches, amount=700, named=True)
    services.pledge_make(pledger=hidden, campaign=benches, amount=300)
    services.pledge_make(pledger=named, campaign=benches, amount=100)
    rows = selectors.ledger(benches)
    assert [(r["amount"], r["name"]) for r in rows] == [(700, "P0"), (300, ""), (100, "")]
    export = services.call_export(invest["call"])
    assert [p["pledger"] for p in export["pledges"]] == ["p1", "p2", "p1"]
    assert "P0" not in str(export)


def test_second_round_then_success_and_refund_of_collected_money(invest: dict[str, Any]) -> None:
    official = invest["users"]["official"]
    now = timezone.now()
    campaign = services.campaign_create(
        actor=official,
        slug="library",
        title="Library",
        organisation=invest["organisation"],
        goal_minimum=1_000,
        goal_optimum=5_000,
        deadline=now + timedelta(hours=1),
        second_round_deadline=now + timedelta(days=3),
    )
    person = _people(1)[0]
    _pledge, payment = services.pledge_make(pledger=person, campaign=campaign, amount=2_000)
    assert payment.reference in payment.instructions
    assert services.campaigns_close_due(now=now + timedelta(hours=2)) == 1
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SECOND_ROUND
    later, _ = services.pledge_make(pledger=person, campaign=campaign, amount=500)
    assert later.round == 2
    services.campaigns_close_due(now=now + timedelta(days=4))
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SUCCEEDED

    failing = services.campaign_create(
        actor=official,
        slug="pool",
        title="Pool",
        organisation=invest["organisation"],
        goal_minimum=100_000,
        deadline=now + timedelta(hours=1),
    )
    p, _ = services.pledge_make(pledger=person, campaign=failing, amount=2_000)
    services.pledge_mark_collected(actor=official, pledge=p)
    services.campaign_close(campaign=failing)
    p.refresh_from_db()
    assert p.status == Pledge.Status.REFUNDED


def test_volunteer_slots_and_reminders(invest: dict[str, Any]) -> None:
    official = invest["users"]["official"]
    role = services.role_add(
        actor=official,
        campaign=invest["campaigns"][0],
        title="Painter",
        starts_at=timezone.now() + timedelta(hours=20),
        slots=1,
    )
    first, second = _people(2)
    services.signup_make(volunteer=first, role=role)
    with pytest.raises(Conflict):
        services.signup_make(volunteer=second, role=role)  # the only slot is taken
    with pytest.raises(Conflict):
        services.signup_make(volunteer=first, role=role)
    from cocity.investment.tasks import volunteer_reminders_task

    assert volunteer_reminders_task.call() == 1
    assert volunteer_reminders_task.call() == 0  # once only
    assert Notification.objects.filter(recipient=first, verb="invest.reminder").count() == 1


def test_offering_oversubscribed_is_allocated_by_the_published_rule(
    invest: dict[str, Any],
) -> None:
    official = invest["users"]["official"]
    now = timezone.now()
    offering = services.offering_create(
        actor=official,
        slug="solar",
        title="Solar",
        organisation=invest["organisation"],
        unit_price=25_000,
        units=7,
        cap_per_person=4,
        term="10 years",
        stated_return="1.5 %",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
        seed="seed-1",
    )
    people = _people(3)
    with pytest.raises(DomainError):
        services.offering_request(applicant=people[0], offering=offering, units=5)
    for person in people:
        services.offering_request(applicant=person, offering=offering, units=4)
    services.offering_allocate(actor=official, offering=offering)
    allocated = sorted(offering.requests.values_list("allocated", flat=True))
    assert allocated == [2, 2, 3]  # 2 each, the 7th unit by lottery
    offering.refresh_from_db()
    assert len(offering.allocation["lottery_winners"]) == 1
