from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cocity.cocreation import services
from cocity.cocreation.models import Challenge, Initiative, Proposal

pytestmark = pytest.mark.django_db


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _proposal(challenge: Challenge, needs: dict[str, Any]) -> Proposal:
    return services.proposal_submit(
        author=needs["users"]["resident"],
        challenge=challenge,
        title="Solar lamps on every street",
        body="Install solar lamps, one every 25 m.",
    )


def _pilot(challenge: Challenge, needs: dict[str, Any]) -> Initiative:
    official = needs["users"]["official"]
    initiative = services.initiative_create(proposal=_proposal(challenge, needs), actor=official)
    services.gate_decide(
        initiative=initiative, actor=official, to_stage="codesign", criteria="c", note="n"
    )
    indicator = services.indicator_add(
        initiative=initiative,
        actor=official,
        name="Lamps working",
        unit="%",
        baseline=40,
        target=95,
        target_date=date(2027, 6, 1),
    )
    services.gate_decide(
        initiative=initiative, actor=official, to_stage="pilot", criteria="c", note="Go"
    )
    services.measurement_record(
        indicator=indicator, actor=official, measured_on=timezone.localdate(), value=61
    )
    return initiative


def test_an_organisation_member_frames_a_challenge_in_the_form(
    needs: dict[str, Any], reports: list[Any]
) -> None:
    client = _client(needs["users"]["organisation_member"])
    url = reverse("cocreation:challenge_create")
    numbers = ", ".join(str(r.pk) for r in reports)
    assert numbers in client.get(url, {"reports": numbers}).content.decode()
    response = client.post(
        url,
        {
            "title": "Dark streets",
            "statement": "Lamps are out.",
            "most_affected": "Older people",
            "reports": numbers,
            "organisation": needs["organisation"].pk,
        },
    )
    challenge = Challenge.objects.get()
    assert response.headers["Location"] == reverse("cocreation:challenge", args=[challenge.pk])
    assert challenge.organisation == needs["organisation"]
    page = _client().get(response.headers["Location"]).content.decode()
    assert "Dark streets" in page
    assert "Neighbours" in page
    assert all(f"#{r.pk}" in page for r in reports)


def test_a_challenge_form_with_unknown_reports_changes_nothing(
    needs: dict[str, Any], reports: list[Any]
) -> None:
    client = _client(needs["users"]["official"])
    response = client.post(
        reverse("cocreation:challenge_create"),
        {"title": "T", "statement": "S", "reports": "99999"},
    )
    assert response.status_code == 200
    assert "No report with the number 99999." in response.content.decode()
    assert not Challenge.objects.exists()


def test_the_similar_idea_warning_asks_before_publishing(
    challenge: Challenge, needs: dict[str, Any]
) -> None:
    _proposal(challenge, needs)
    client = _client(needs["users"]["moderator"])
    url = reverse("cocreation:proposal_create", args=[challenge.pk])
    data = {"title": "Solar street lamps", "body": "Lamps on every street, solar."}
    page = client.post(url, data).content.decode()
    assert "Similar ideas already exist" in page
    assert Proposal.objects.count() == 1
    response = client.post(url, {**data, "confirm_new": "on"})
    assert response.status_code == 302
    assert Proposal.objects.count() == 2


def test_a_coauthor_edits_and_the_version_page_shows_the_difference(
    challenge: Challenge, needs: dict[str, Any]
) -> None:
    proposal = _proposal(challenge, needs)
    author = _client(needs["users"]["resident"])
    author.post(
        reverse("cocreation:proposal_coauthor", args=[proposal.pk]),
        {"who": "moderator@example.org"},
    )
    coauthor = _client(needs["users"]["moderator"])
    response = coauthor.post(
        reverse("cocreation:proposal_edit", args=[proposal.pk]),
        {"title": proposal.title, "body": "Install solar lamps, one every 20 m.", "note": "closer"},
    )
    assert response.status_code == 302
    page = _client().get(reverse("cocreation:proposal_version", args=[proposal.pk, 2]))
    html = page.content.decode()
    assert '<del><span class="sr-only">removed: </span>25' in html
    assert '<ins><span class="sr-only">added: </span>20' in html
    es = (
        _client()
        .get(
            reverse("cocreation:proposal_version", args=[proposal.pk, 2]), HTTP_ACCEPT_LANGUAGE="es"
        )
        .content.decode()
    )
    assert "Versión 2" in es
    assert "añadido:" in es


def test_comments_and_endorsements_from_the_page(
    challenge: Challenge, needs: dict[str, Any]
) -> None:
    proposal = _proposal(challenge, needs)
    member = _client(needs["users"]["organisation_member"])
    url = reverse("cocreation:proposal", args=[proposal.pk])
    member.post(
        reverse("cocreation:proposal_endorse", args=[proposal.pk]),
        {"organisation": needs["organisation"].pk},
    )
    member.post(reverse("cocreation:comment_add", args=[proposal.pk]), {"body": "Good idea"})
    resident = _client(needs["users"]["resident"])
    resident.post(reverse("cocreation:comment_add", args=[proposal.pk]), {"body": "Waiting one"})
    public = _client().get(url).content.decode()
    assert "Good idea" in public
    assert "Waiting one" not in public
    assert "Neighbours" in public  # the endorsing organisation
    mine = resident.get(url).content.decode()
    assert "Waiting one" in mine
    assert "Waiting for moderation" in mine
    moderation = _client(needs["users"]["moderator"])
    assert "Waiting one" in moderation.get(reverse("cocreation:moderation")).content.decode()


def test_a_reply_shows_under_its_comment_with_a_reply_form_for_each(
    challenge: Challenge, needs: dict[str, Any]
) -> None:
    proposal = _proposal(challenge, needs)
    member = needs["users"]["organisation_member"]
    top = services.comment_add(proposal=proposal, author=member, body="Which streets?")
    reply = services.comment_add(
        proposal=proposal, author=member, body="Calle Mayor first.", parent=top
    )
    page = _client(needs["users"]["resident"]).get(
        reverse("cocreation:proposal", args=[proposal.pk])
    )
    html = page.content.decode()
    action = reverse("cocreation:comment_add", args=[proposal.pk])
    # the reply is inside the first comment's item, in a nested thread
    first = html.index("Which streets?")
    assert html.index('<ul class="comment-thread">', first) < html.index("Calle Mayor first.")
    for comment in (top, reply):
        assert f'id="reply-{comment.pk}"' in html
        assert f'name="parent" value="{comment.pk}"' in html
    assert html.count(f'<form method="post" action="{action}">') >= 3  # 2 replies + new comment


def test_endorsing_for_someone_else_s_organisation_is_refused(
    challenge: Challenge, needs: dict[str, Any]
) -> None:
    proposal = _proposal(challenge, needs)
    response = _client(needs["users"]["resident"]).post(
        reverse("cocreation:proposal_endorse", args=[proposal.pk]),
        {"organisation": needs["organisation"].pk},
    )
    assert response.status_code == 403
    assert not proposal.endorsements.exists()


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["Pilot", "Lamps working", "Timeline", "Gate decision", "61 %"]),
        ("es", ["Piloto", "Lamps working", "Cronología", "Decisión en la puerta", "61 %"]),
    ],
)
def test_the_initiative_page_shows_stage_chart_table_and_timeline(
    language: str, texts: list[str], challenge: Challenge, needs: dict[str, Any]
) -> None:
    initiative = _pilot(challenge, needs)
    response = _client().get(
        reverse("cocreation:initiative", args=[initiative.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    html = response.content.decode()
    assert response.status_code == 200
    for text in texts:
        assert text in html, text
    assert '<polyline class="actual"' in html
    assert '<polyline class="target"' in html
    assert 'aria-current="step"' in html
    assert "Record the decision" not in html  # the public cannot manage it


def test_an_official_moves_the_stage_and_enters_values_from_the_page(
    challenge: Challenge, needs: dict[str, Any]
) -> None:
    initiative = _pilot(challenge, needs)
    client = _client(needs["users"]["official"])
    indicator = initiative.indicators.get()
    bad = client.post(
        reverse("cocreation:measurement_add", args=[initiative.pk]),
        {"indicator": indicator.pk, "measured_on": timezone.localdate().isoformat(), "value": "3"},
    )
    assert bad.status_code == 400  # already measured today
    assert "Already measured on this day." in bad.content.decode()
    assert indicator.measurements.count() == 1
    client.post(
        reverse("cocreation:milestone_add", args=[initiative.pk]), {"title": "Order", "weight": 2}
    )
    milestone = initiative.milestones.get()
    client.post(reverse("cocreation:milestone_done", args=[milestone.pk]))
    response = client.post(
        reverse("cocreation:initiative_gate", args=[initiative.pk]),
        {
            "to_stage": "evaluation",
            "criteria": "Six months",
            "note": "Time to evaluate",
            "decided_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.stage == "evaluation"
    page = _client().get(reverse("cocreation:initiative", args=[initiative.pk])).content.decode()
    assert "100.0 %" in page
    assert "Time to evaluate" in page


def test_the_indicator_series_downloads_as_csv(challenge: Challenge, needs: dict[str, Any]) -> None:
    initiative = _pilot(challenge, needs)
    indicator = initiative.indicators.get()
    response = _client().get(reverse("cocreation:indicator_csv", args=[indicator.pk]))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "indicator,unit,date,value,baseline,target,target_date"
    assert lines[1] == f"Lamps working,%,{timezone.localdate().isoformat()},61,40,95,2027-06-01"
    assert len(lines) == 2


def test_challenge_list_in_both_languages(challenge: Challenge) -> None:
    en = _client().get(reverse("cocreation:challenges")).content.decode()
    assert "Dark streets in North One" in en
    assert "Challenges" in en
    es = _client().get(reverse("cocreation:challenges"), HTTP_ACCEPT_LANGUAGE="es")
    assert "Retos" in es.content.decode()


def test_list_pages_take_a_fixed_number_of_queries(
    challenge: Challenge, needs: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for i in range(5):
        services.proposal_submit(
            author=needs["users"]["resident"], challenge=challenge, title=f"Idea {i}", body="B"
        )
    client = _client()
    with django_assert_max_num_queries(8):
        assert client.get(reverse("cocreation:challenges")).status_code == 200
    with django_assert_max_num_queries(12):
        page = client.get(reverse("cocreation:challenge", args=[challenge.pk]))
    assert page.content.decode().count("Idea ") == 5
