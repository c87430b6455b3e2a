"""Amendments, meetings and workshops, gate surveys, goal edits, sensor-sourced indicators and
the similar-idea index (issue 15, second part)."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from tests.cocreation.test_api import token_client
from tests.cocreation.test_services import _initiative_in_pilot, _propose

from cocity.cocreation import selectors, services
from cocity.cocreation.models import Challenge, Indicator, Measurement, ProposalAmendment, Stage
from cocity.compute.cocreation import similar_items
from cocity.core.errors import Conflict, DomainError, NotAllowed
from cocity.core.models import Notification, User

pytestmark = pytest.mark.django_db


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- amendments -------------------------------------------------------------------------------


def test_an_accepted_amendment_becomes_a_version_credited_to_its_author(
    needs: dict[str, Any], challenge: Challenge, django_capture_on_commit_callbacks: Any
) -> None:
    users = needs["users"]
    proposal = _propose(challenge, users["resident"])
    with pytest.raises(DomainError) as own:
        services.amendment_propose(proposal=proposal, author=users["resident"], title="X", body="Y")
    assert own.value.code == "own_proposal"
    amendment = services.amendment_propose(
        proposal=proposal,
        author=users["moderator"],
        title=proposal.title,
        body="Install solar lamps, one every 20 m, near the schools first.",
        reason="Schools matter most",
    )
    # only the authors decide
    with pytest.raises(NotAllowed):
        services.amendment_decide(amendment=amendment, actor=users["official"], accept=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.amendment_decide(amendment=amendment, actor=users["resident"], accept=True)
    proposal.refresh_from_db()
    amendment.refresh_from_db()
    assert proposal.version == 2
    assert "schools first" in proposal.body
    assert amendment.status == ProposalAmendment.Status.ACCEPTED
    assert amendment.version is not None
    assert amendment.version.number == 2
    assert amendment.version.editor == users["moderator"]
    assert Notification.objects.filter(
        recipient=users["moderator"], verb="cocreation.amendment_decided"
    ).exists()
    with pytest.raises(Conflict):
        services.amendment_decide(amendment=amendment, actor=users["resident"], accept=False)


def test_a_rejection_needs_a_reason_and_keeps_the_text(
    needs: dict[str, Any], challenge: Challenge
) -> None:
    users = needs["users"]
    proposal = _propose(challenge, users["resident"])
    amendment = services.amendment_propose(
        proposal=proposal, author=users["moderator"], title="Other", body="Something else"
    )
    with pytest.raises(DomainError):
        services.amendment_decide(amendment=amendment, actor=users["resident"], accept=False)
    services.amendment_decide(
        amendment=amendment, actor=users["resident"], accept=False, reason="Out of scope"
    )
    proposal.refresh_from_db()
    assert proposal.version == 1
    assert proposal.title == "Solar lamps on every street"
    amendment.refresh_from_db()
    assert amendment.rejection_reason == "Out of scope"


def test_amendments_through_the_pages_and_the_api(
    needs: dict[str, Any], challenge: Challenge
) -> None:
    users = needs["users"]
    proposal = _propose(challenge, users["resident"])
    response = _login(users["moderator"]).post(
        reverse("cocreation:proposal_amendment_create", args=[proposal.pk]),
        {"title": proposal.title, "body": "Install lamps near the school."},
    )
    assert response.status_code == 302
    amendment = ProposalAmendment.objects.get()
    page = (
        Client().get(reverse("cocreation:proposal_amendment", args=[amendment.pk])).content.decode()
    )
    assert "<ins" in page
    assert "<del" in page
    listed = APIClient().get(f"/api/cocreation/proposals/{proposal.pk}/amendments/").json()
    assert [a["status"] for a in listed] == ["pending"]
    answer = token_client(users["resident"]).post(
        f"/api/cocreation/amendments/{amendment.pk}/decide/", {"accept": True}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["version"] == 2
    page = Client().get(reverse("cocreation:proposal", args=[proposal.pk])).content.decode()
    assert "became version 2" in page


# --- meetings ---------------------------------------------------------------------------------


def _meeting(needs: dict[str, Any], challenge: Challenge, **extra: Any) -> Any:
    start = timezone.now() + timedelta(days=3)
    data = {
        "title": "Walk the dark streets",
        "agenda": "1. Walk\n2. Map the dark spots",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "place": "Civic centre, room 2",
        "accessibility": "Step-free entrance",
        "capacity": 1,
        "organisation": needs["organisation"],
        **extra,
    }
    return services.meeting_create(
        challenge=challenge, actor=needs["users"]["organisation_member"], **data
    )


def test_registration_up_to_capacity_then_a_waiting_list(
    needs: dict[str, Any], challenge: Challenge, django_capture_on_commit_callbacks: Any
) -> None:
    users = needs["users"]
    meeting = _meeting(needs, challenge)
    first = services.meeting_register(meeting=meeting, user=users["resident"])
    second = services.meeting_register(meeting=meeting, user=users["moderator"])
    assert (first.waiting, second.waiting) == (False, True)
    with pytest.raises(Conflict):
        services.meeting_register(meeting=meeting, user=users["resident"])
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_unregister(meeting=meeting, user=users["resident"])
    second.refresh_from_db()
    assert second.waiting is False
    assert Notification.objects.filter(
        recipient=users["moderator"], verb="cocreation.meeting_place"
    ).exists()
    with pytest.raises(DomainError) as online:
        _meeting(needs, challenge, format="online", place="")
    assert "online_url" in online.value.fields


def test_the_host_records_minutes_attendance_and_outcomes(
    needs: dict[str, Any], challenge: Challenge
) -> None:
    users = needs["users"]
    meeting = _meeting(needs, challenge, capacity=None)
    proposal = _propose(challenge, users["resident"])
    services.meeting_register(meeting=meeting, user=users["resident"])
    services.meeting_register(meeting=meeting, user=users["moderator"])
    with pytest.raises(DomainError):  # not yet started
        services.meeting_report(meeting=meeting, actor=users["organisation_member"], minutes="m")
    meeting.starts_at = timezone.now() - timedelta(hours=1)
    meeting.save()
    with pytest.raises(NotAllowed):
        services.meeting_report(meeting=meeting, actor=users["resident"], minutes="m")
    member = _login(users["organisation_member"])
    response = member.post(
        reverse("cocreation:meeting_report", args=[meeting.pk]),
        {
            "minutes": "We mapped 12 dark spots.",
            "attended": [users["resident"].pk],
            "proposals": [proposal.pk],
        },
    )
    assert response.status_code == 302
    page = Client().get(reverse("cocreation:proposal", args=[proposal.pk])).content.decode()
    assert meeting.title in page
    data = APIClient().get(f"/api/cocreation/meetings/{meeting.pk}/").json()
    assert (data["registered"], data["attended"], data["proposals"]) == (2, 1, [proposal.pk])
    ics = Client().get(reverse("cocreation:meeting_ics", args=[meeting.pk]))
    assert ics["Content-Type"].startswith("text/calendar")
    assert "SUMMARY:Walk the dark streets" in ics.content.decode()
    assert "room 2" in ics.content.decode()


# --- gate surveys, goal edits ------------------------------------------------------------------


def test_survey_answers_are_shown_with_the_decision_that_ends_the_stage(
    needs: dict[str, Any], challenge: Challenge
) -> None:
    users = needs["users"]
    initiative = _initiative_in_pilot(needs, challenge)
    services.survey_answer(initiative=initiative, user=users["resident"], rating=4, go_ahead=True)
    services.survey_answer(
        initiative=initiative, user=users["moderator"], rating=1, go_ahead=False, comment="Too slow"
    )
    with pytest.raises(Conflict):
        services.survey_answer(
            initiative=initiative, user=users["resident"], rating=5, go_ahead=True
        )
    decision = services.gate_decide(
        initiative=initiative,
        actor=users["official"],
        to_stage="evaluation",
        criteria="c",
        note="n",
    )
    results = selectors.survey_results(initiative)
    assert results[decision.pk].answers == 2
    assert results[decision.pk].mean_rating == Decimal("2.5")
    assert (results[decision.pk].go_ahead, results[decision.pk].comments) == (1, ["Too slow"])
    # a new survey opens for the next gate: the resident may answer again
    services.survey_answer(initiative=initiative, user=users["resident"], rating=5, go_ahead=True)
    detail = APIClient().get(f"/api/cocreation/initiatives/{initiative.pk}/").json()
    assert detail["decisions"][-1]["survey"]["answers"] == 2
    page = Client().get(reverse("cocreation:initiative", args=[initiative.pk])).content.decode()
    assert "Too slow" in page


def test_goals_can_change_before_the_pilot_and_not_after(
    needs: dict[str, Any], challenge: Challenge
) -> None:
    official = needs["users"]["official"]
    initiative = _initiative_in_pilot(needs, challenge)
    indicator = initiative.indicators.get()
    with pytest.raises(Conflict) as fixed:
        services.indicator_edit(indicator=indicator, actor=official, target="99")
    assert fixed.value.code == "goals_fixed"
    response = _login(official).post(
        reverse("cocreation:indicator_edit", args=[indicator.pk]),
        {
            "name": "Lamps",
            "unit": "%",
            "baseline": "40",
            "target": "99",
            "target_date": "2027-06-01",
            "source": "manual",
        },
    )
    assert response.status_code == 400
    assert "Goals are fixed before the pilot" in response.content.decode()
    indicator.refresh_from_db()
    assert indicator.target == Decimal("95")
    # at co-design the same edit is taken, and audited
    other = services.initiative_create(
        proposal=_propose(challenge, needs["users"]["resident"], "Other idea"), actor=official
    )
    ind = services.indicator_add(
        initiative=other,
        actor=official,
        name="A",
        unit="u",
        baseline=1,
        target=2,
        target_date=date(2027, 1, 1),
    )
    services.indicator_edit(indicator=ind, actor=official, target="3")
    ind.refresh_from_db()
    assert ind.target == Decimal("3")
    milestone = services.milestone_add(initiative=other, actor=official, title="Buy", weight=2)
    services.milestone_complete(milestone=milestone, actor=official)
    with pytest.raises(Conflict):
        services.milestone_edit(milestone=milestone, actor=official, title="Buy more", weight=3)


def test_the_goal_edit_pages_show_the_current_values_and_save_for_officials_only(
    needs: dict[str, Any], challenge: Challenge
) -> None:
    official, resident = needs["users"]["official"], needs["users"]["resident"]
    initiative = services.initiative_create(proposal=_propose(challenge, resident), actor=official)
    indicator = services.indicator_add(
        initiative=initiative,
        actor=official,
        name="Trees planted",
        unit="trees",
        baseline=0,
        target=40,
        target_date=date(2027, 3, 1),
    )
    milestone = services.milestone_add(
        initiative=initiative, actor=official, title="Order saplings", weight=2
    )
    indicator_url = reverse("cocreation:indicator_edit", args=[indicator.pk])
    milestone_url = reverse("cocreation:milestone_edit", args=[milestone.pk])
    as_official, as_resident = _login(official), _login(resident)

    page = as_official.get(indicator_url)
    assert page.status_code == 200
    assert 'value="Trees planted"' in page.content.decode()
    page = as_official.get(milestone_url)
    assert page.status_code == 200
    assert 'value="Order saplings"' in page.content.decode()
    for url in (indicator_url, milestone_url):
        assert as_resident.get(url).status_code == 403
    assert as_official.get(reverse("cocreation:milestone_edit", args=[0])).status_code == 404

    edit = {"title": "Order oak saplings", "weight": "3", "due_on": ""}
    assert as_resident.post(milestone_url, edit).status_code == 403
    response = as_official.post(milestone_url, edit)
    assert response.status_code == 302
    assert response["Location"] == reverse("cocreation:initiative", args=[initiative.pk])
    milestone.refresh_from_db()
    assert (milestone.title, milestone.weight) == ("Order oak saplings", 3)

    response = as_official.post(
        indicator_url,
        {
            "name": "Trees planted",
            "unit": "trees",
            "baseline": "0",
            "target": "50",
            "target_date": "2027-03-01",
            "source": "manual",
        },
    )
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.target == Decimal("50")
    # an invalid form is shown again with its errors, and nothing changes
    response = as_official.post(milestone_url, {"title": "", "weight": "0"})
    assert response.status_code == 400
    milestone.refresh_from_db()
    assert milestone.title == "Order oak saplings"


# --- sensor-sourced indicators and the background fill -----------------------------------------


def test_a_sensor_indicator_is_filled_with_the_districts_daily_mean(
    needs: dict[str, Any], challenge: Challenge
) -> None:
    from cocity.sensing.models import Reading, Sensor

    official = needs["users"]["official"]
    proposal = _propose(challenge, needs["users"]["resident"])
    initiative = services.initiative_create(proposal=proposal, actor=official)
    with pytest.raises(DomainError):
        services.indicator_add(
            initiative=initiative,
            actor=official,
            name="PM",
            unit="µg/m³",
            baseline=30,
            target=20,
            target_date=date(2027, 1, 1),
            source="sensors",
        )
    indicator = services.indicator_add(
        initiative=initiative,
        actor=official,
        name="PM2.5",
        unit="µg/m³",
        baseline=30,
        target=20,
        target_date=date(2027, 1, 1),
        source="sensors",
        quantity="pm25",
    )
    services.gate_decide(
        initiative=initiative, actor=official, to_stage="codesign", criteria="c", note="n"
    )
    services.gate_decide(
        initiative=initiative, actor=official, to_stage="pilot", criteria="c", note="n"
    )
    day = timezone.localdate() - timedelta(days=1)
    sensor = Sensor.objects.create(
        device_id="aq-1",
        entity_type="AirQualityObserved",
        area=needs["areas"]["n1"],
        quantities={"pm25": {}},
    )
    start = timezone.make_aware(datetime.combine(day, time.min))
    Reading.objects.bulk_create(
        Reading(sensor=sensor, quantity="pm25", observed_at=start + timedelta(hours=h), value=v)
        for h, v in [(1, 10.0), (9, 20.0), (17, 30.0)]
    )
    out = io.StringIO()
    call_command("cocreation_measure", "--day", day.isoformat(), stdout=out)
    assert out.getvalue().strip() == "1 value(s) recorded"
    assert Measurement.objects.get(indicator=indicator).value == Decimal("20")
    assert services.measurements_fill(day=day) == 0  # once a day
    with pytest.raises(DomainError) as none:  # no readings today
        services.measurement_record(
            indicator=indicator, actor=official, measured_on=timezone.localdate()
        )
    assert none.value.code == "no_readings"
    assert Indicator.objects.get(pk=indicator.pk).source == "sensors"


# --- the similar-idea index and the proposal list ---------------------------------------------


def test_the_word_index_finds_exactly_what_a_full_scan_finds(
    needs: dict[str, Any], challenge: Challenge, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    rng = random.Random(7)
    vocabulary = [
        "lamp",
        "street",
        "solar",
        "school",
        "light",
        "dark",
        "night",
        "park",
        "bench",
        "tree",
        "walk",
        "safe",
        "path",
    ]
    author = needs["users"]["resident"]
    for i in range(60):
        words = rng.sample(vocabulary, rng.randint(2, 6))
        services.proposal_submit(
            author=author,
            challenge=challenge,
            title=" ".join(words[:2]) + f" {i}",
            body=" ".join(words),
        )
    rows = list(challenge.proposals.values_list("pk", "title", "body"))
    # the postings budget decides how many of a candidate's words the index counts (m of
    # n − k + m): none (the classic prefix filter, m = 1), a few, or all of them (m = k)
    for budget in (0, 40, 100_000):
        monkeypatch.setattr(selectors, "SIMILAR_POSTINGS_BUDGET", budget)
        for _ in range(20):
            words = rng.sample(vocabulary, rng.randint(1, 7))
            title, body = " ".join(words[:2]), " ".join(words)
            fast = [
                (p.pk, s)
                for p, s in selectors.similar_proposals(challenge=challenge, title=title, body=body)
            ]
            assert fast == similar_items(title, body, rows)
    # an edit re-indexes the proposal
    first = challenge.proposals.order_by("pk").first()
    assert first is not None
    services.proposal_edit(proposal=first, editor=author, title="Quantum zebra crossing", body="x")
    found = selectors.similar_proposals(challenge=challenge, title="Quantum zebra", body="")
    assert [p.pk for p, _ in found] == [first.pk]


def test_the_challenge_lists_its_proposals_fifty_a_page_with_counts(
    needs: dict[str, Any], challenge: Challenge
) -> None:
    from cocity.cocreation.models import Proposal

    author: User = needs["users"]["resident"]
    Proposal.objects.bulk_create(
        Proposal(challenge=challenge, title=f"Idea {i}", body="b", author=author) for i in range(51)
    )
    newest = challenge.proposals.order_by("-created_at", "-id").first()
    assert newest is not None
    services.proposal_endorse(proposal=newest, user=needs["users"]["moderator"])
    services.comment_add(proposal=newest, author=needs["users"]["official"], body="Good")
    services.comment_add(proposal=newest, author=author, body="Waiting")  # pending: not counted
    page = Client().get(reverse("cocreation:challenge", args=[challenge.pk])).content.decode()
    assert page.count('class="card"') == 50
    assert "1 endorsement" in page
    assert "1 comment" in page
    assert "Page 1 of 2" in page
    second = Client().get(reverse("cocreation:challenge", args=[challenge.pk]), {"page": 2})
    assert second.content.decode().count('class="card"') == 1
    assert Stage.PILOT == "pilot"


def test_goals_change_through_the_api_until_the_pilot_and_personal_data_lists_the_new_rows(
    needs: dict[str, Any], challenge: Challenge
) -> None:
    users = needs["users"]
    official = token_client(users["official"])
    proposal = _propose(challenge, users["resident"])
    initiative = services.initiative_create(proposal=proposal, actor=users["official"])
    indicator = services.indicator_add(
        initiative=initiative,
        actor=users["official"],
        name="Lamps",
        unit="%",
        baseline=40,
        target=90,
        target_date=date(2027, 1, 1),
    )
    url = f"/api/cocreation/indicators/{indicator.pk}/"
    assert token_client(users["resident"]).patch(url, {"target": "99"}).status_code == 403
    answer = official.patch(url, {"target": "95", "name": "Lamps working"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["target"] == "95.000"
    services.gate_decide(
        initiative=initiative, actor=users["official"], to_stage="codesign", criteria="c", note="n"
    )
    services.gate_decide(
        initiative=initiative, actor=users["official"], to_stage="pilot", criteria="c", note="n"
    )
    refused = official.patch(url, {"target": "80"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "goals_fixed"
    services.amendment_propose(proposal=proposal, author=users["moderator"], title="T", body="B")
    services.survey_answer(initiative=initiative, user=users["moderator"], rating=3, go_ahead=True)
    data = services.personal_data(users["moderator"])
    assert [a["title"] for a in data["amendments"]] == ["T"]
    assert [s["rating"] for s in data["survey_answers"]] == [3]


def test_followers_who_allowed_it_get_the_news_by_e_mail_in_their_language(
    needs: dict[str, Any], challenge: Challenge, mailoutbox: Any, settings: Any
) -> None:
    from cocity.cocreation.emails import email_followers_task
    from cocity.core.services import consent_grant

    settings.COCITY_BASE_URL = "https://participa.example.org"
    users = needs["users"]
    resident, moderator = users["resident"], users["moderator"]
    for person in (resident, moderator):
        services.challenge_follow(challenge=challenge, user=person)
    consent_grant(user=resident, purpose="email_updates")  # the moderator did not allow e-mail
    resident.preferred_language = "es"
    resident.save(update_fields=["preferred_language"])
    sent = email_followers_task.call(
        challenge.pk,
        services.STAGE_CHANGED,
        {"title": "Solar lamps", "stage": "Pilot", "_translate": ["stage"]},
        "/challenges/initiatives/1/",
        users["official"].pk,
    )
    assert sent == 1
    assert mailoutbox[0].to == [resident.email]
    assert "Piloto" in mailoutbox[0].body
    assert "https://participa.example.org/challenges/initiatives/1/" in mailoutbox[0].body
