"""Co-written plans: a draft from Markdown, comments on passages, amendments with support,
officials' decisions, a new version with its changes and the contributions that caused them,
the exports, the pages and the API."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cocity.cocreation.models_plans import Amendment, Plan, PlanSection
from cocity.cocreation.plans import services
from cocity.core.errors import Conflict, DomainError, NotAllowed
from cocity.core.models import AuditEntry, Notification

pytestmark = pytest.mark.django_db

DRAFT = """# Green streets plan

How the city brings shade to its streets.

## Trees

Plant 500 trees by 2030 on the widest streets.

## Water

Collect rain water in the parks.
"""


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def plan(city: dict[str, Any]) -> Plan:
    return services.plan_import(actor=city["users"]["official"], markdown=DRAFT)


def _sections(plan: Plan) -> list[PlanSection]:
    return list(plan.sections.order_by("position"))


def test_an_official_publishes_a_draft_in_sections(city: dict[str, Any], plan: Plan) -> None:
    assert plan.title == "Green streets plan"
    assert plan.intro == "How the city brings shade to its streets."
    assert [s.heading for s in _sections(plan)] == ["Trees", "Water"]
    assert plan.version == 1
    assert plan.versions.get().sections[1]["body"].startswith("Collect")
    entry = AuditEntry.objects.get(action="cocreation.plan_published")
    from django.utils import translation

    from cocity.core.audit_text import audit_sentence

    assert audit_sentence(entry.action, entry.object_id, entry.data) == (
        f"Plan #{plan.pk} was published as a draft."
    )
    with translation.override("es"):
        assert audit_sentence(entry.action, entry.object_id, entry.data).startswith("El plan")
    with pytest.raises(NotAllowed):
        services.plan_import(actor=city["users"]["resident"], markdown=DRAFT)
    with pytest.raises(DomainError) as err:
        services.plan_import(actor=city["users"]["official"], markdown="no headings at all")
    assert err.value.code == "no_sections"


def test_comments_quote_a_passage_exactly(city: dict[str, Any], plan: Plan) -> None:
    trees = _sections(plan)[0]
    resident = city["users"]["resident"]
    comment = services.plan_comment_add(
        section=trees, author=resident, body="Which streets?", quote="the widest streets"
    )
    assert comment.quote_start == trees.body.index("the widest streets")
    with pytest.raises(DomainError) as err:
        services.plan_comment_add(section=trees, author=resident, body="x", quote="not there")
    assert err.value.code == "passage_not_found"
    member = city["users"]["organisation_member"]
    services.plan_comment_add(
        section=trees, author=member, body="For us", organisation=city["organisation"]
    )
    with pytest.raises(NotAllowed):
        services.plan_comment_add(
            section=trees, author=resident, body="x", organisation=city["organisation"]
        )
    services.plan_set_open(plan=plan, actor=city["users"]["official"], open=False)
    trees.refresh_from_db()
    with pytest.raises(Conflict):
        services.plan_comment_add(section=trees, author=resident, body="late")


def _amended(city: dict[str, Any], plan: Plan) -> tuple[Amendment, Amendment, Amendment]:
    trees, water = _sections(plan)
    users = city["users"]
    passage = services.amendment_propose(
        section=trees,
        author=users["resident"],
        quote="500 trees",
        text="1,000 trees",
        reason="Shade for every street",
    )
    whole = services.amendment_propose(
        section=water, author=users["organisation_member"], text="Collect rain water everywhere."
    )
    other = services.amendment_propose(
        section=water, author=users["moderator"], text="No rain water."
    )
    return passage, whole, other


def test_amendments_supported_decided_and_published_as_a_version(
    city: dict[str, Any], plan: Plan, django_capture_on_commit_callbacks: Any
) -> None:
    users = city["users"]
    official = users["official"]
    passage, whole, other = _amended(city, plan)
    assert services.amendment_support(amendment=passage, user=users["moderator"])
    assert not services.amendment_support(amendment=passage, user=users["moderator"])
    passage.refresh_from_db()
    assert passage.supporters == 2
    with pytest.raises(DomainError) as err:
        services.amendment_decide(amendment=passage, actor=official, accept=True, reason="")
    assert err.value.code == "reason_required"
    with pytest.raises(NotAllowed):
        services.amendment_decide(
            amendment=passage, actor=users["resident"], accept=True, reason="r"
        )

    with pytest.raises(DomainError) as err:  # nothing accepted yet
        services.plan_publish(plan=plan, actor=official)
    assert err.value.code == "unchanged"
    with django_capture_on_commit_callbacks(execute=True):
        services.amendment_decide(amendment=passage, actor=official, accept=True, reason="Agreed")
        services.amendment_decide(amendment=whole, actor=official, accept=True, reason="Better")
        services.amendment_decide(
            amendment=other, actor=official, accept=False, reason="We need it"
        )
    with pytest.raises(Conflict):
        services.amendment_support(amendment=other, user=users["resident"])
    trees, water = _sections(plan)
    assert trees.body == "Plant 1,000 trees by 2030 on the widest streets."
    assert water.body == "Collect rain water everywhere."
    # the authors are told, in their language, why
    texts = {n.recipient.email: n.params["reason"] for n in Notification.objects.all()}
    assert texts == {
        users["resident"].email: "Agreed",
        users["organisation_member"].email: "Better",
        users["moderator"].email: "We need it",
    }

    comment = services.plan_comment_add(section=water, author=users["admin"], body="Also roofs")
    services.plan_comment_address(comment=comment, actor=official)
    with django_capture_on_commit_callbacks(execute=True):
        version = services.plan_publish(plan=plan, actor=official, note="After the consultation")
    plan.refresh_from_db()
    assert (plan.version, version.number) == (2, 2)
    passage.refresh_from_db()
    other.refresh_from_db()
    comment.refresh_from_db()
    assert (passage.applied_in, other.applied_in, comment.applied_in) == (2, None, 2)
    told = Notification.objects.filter(verb="cocreation.plan_version")
    assert sorted(n.recipient.email for n in told) == sorted(
        [users["resident"].email, users["organisation_member"].email, users["admin"].email]
    )

    # an accepted amendment whose passage is gone cannot be applied
    late = services.amendment_propose(
        section=trees, author=users["resident"], quote="by 2030", text="by 2028"
    )
    services.section_edit(section=trees, actor=official, body="Plant trees soon.")
    with pytest.raises(Conflict) as conflict:
        services.amendment_decide(amendment=late, actor=official, accept=True, reason="ok")
    assert conflict.value.code == "passage_changed"


def test_version_page_shows_changes_and_what_changed_because_of_you(
    city: dict[str, Any], plan: Plan
) -> None:
    users = city["users"]
    passage, whole, _ = _amended(city, plan)
    for amendment in (passage, whole):
        services.amendment_decide(
            amendment=amendment, actor=users["official"], accept=True, reason="Yes"
        )
    services.plan_publish(plan=plan, actor=users["official"])
    url = reverse("cocreation:plan_version", args=[plan.pk, 2])
    page = _client(users["resident"]).get(url).content.decode()
    assert '<del><span class="sr-only">removed: </span>500' in page
    assert "1,000" in page
    assert "because of you" in page
    assert "Shade for every street" not in page
    assert "because of you" not in _client(users["moderator"]).get(url).content.decode()
    mine = _client(users["resident"]).get(reverse("cocreation:plan_mine")).content.decode()
    assert reverse("cocreation:plan_version", args=[plan.pk, 2]) in mine
    markdown = _client().get(reverse("cocreation:plan_version_md", args=[plan.pk, 2])).content
    assert markdown.decode().startswith("# Green streets plan\n\nHow the city")
    assert "## Trees\n\nPlant 1,000 trees" in markdown.decode()
    rows = list(
        csv.DictReader(
            io.StringIO(
                _client().get(reverse("cocreation:plan_csv", args=[plan.pk])).content.decode()
            )
        )
    )
    assert [(r["kind"], r["status"], r["version"]) for r in rows] == [
        ("amendment", "accepted", "2"),
        ("amendment", "accepted", "2"),
        ("amendment", "open", ""),
    ]


def test_section_page_forms_without_javascript(city: dict[str, Any], plan: Plan) -> None:
    trees = _sections(plan)[0]
    url = reverse("cocreation:plan_section", args=[plan.pk, trees.pk])
    resident = _client(city["users"]["resident"])
    answer = resident.post(
        reverse("cocreation:plan_comment", args=[plan.pk, trees.pk]),
        {"comment-body": "Which streets exactly?", "comment-quote": "widest streets"},
    )
    assert answer.status_code == 302
    answer = resident.post(
        reverse("cocreation:plan_amend", args=[plan.pk, trees.pk]),
        {"amend-quote": "not in the text", "amend-text": "x"},
    )
    assert answer.status_code == 400
    assert "not in the section" in answer.content.decode()
    resident.post(
        reverse("cocreation:plan_amend", args=[plan.pk, trees.pk]),
        {"amend-quote": "500", "amend-text": "800", "amend-reason": "More shade"},
    )
    amendment = Amendment.objects.get()
    official = _client(city["users"]["official"])
    page = official.get(url).content.decode()
    assert "Which streets exactly?" in page
    assert "More shade" in page
    assert reverse("cocreation:amendment_decide", args=[amendment.pk]) in page
    official.post(
        reverse("cocreation:amendment_decide", args=[amendment.pk]),
        {"decision": "accept", "reason": "Fine"},
    )
    trees.refresh_from_db()
    assert "Plant 800 trees" in trees.body
    assert _client().get(url).status_code == 200
    assert (
        _client(city["users"]["resident"]).get(reverse("cocreation:plan_create")).status_code == 403
    )


def test_similar_comments_are_grouped_on_the_section_page(city: dict[str, Any], plan: Plan) -> None:
    trees = _sections(plan)[0]
    resident = city["users"]["resident"]
    for text in ("More shade trees please", "please more shade trees", "A bus lane instead"):
        services.plan_comment_add(section=trees, author=resident, body=text)
    page = _client().get(reverse("cocreation:plan_section", args=[plan.pk, trees.pk])).content
    assert "2 groups of similar comments" in page.decode()


def test_api(city: dict[str, Any]) -> None:
    users = city["users"]
    official = _client(users["official"])
    answer = official.post(
        "/api/cocreation/plans/", {"markdown": DRAFT}, content_type="application/json"
    )
    assert answer.status_code == 201, answer.content
    plan = answer.json()
    trees = plan["sections"][0]["id"]
    resident = _client(users["resident"])
    answer = resident.post(
        f"/api/cocreation/plans/sections/{trees}/amendments/",
        {"quote": "500 trees", "text": "600 trees"},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    amendment = answer.json()["id"]
    answer = resident.post(
        f"/api/cocreation/plans/amendments/{amendment}/decision/",
        {"accept": True, "reason": "mine"},
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert answer["Content-Type"] == "application/problem+json"
    official.post(
        f"/api/cocreation/plans/amendments/{amendment}/decision/",
        {"accept": True, "reason": "Good"},
        content_type="application/json",
    )
    answer = resident.post(
        f"/api/cocreation/plans/sections/{trees}/comments/",
        {"body": "Thanks", "quote": "600 trees"},
        content_type="application/json",
    )
    assert answer.status_code == 201
    assert answer.json()["quote_start"] == 6
    answer = official.post(
        f"/api/cocreation/plans/{plan['id']}/versions/", {}, content_type="application/json"
    )
    assert answer.status_code == 201
    assert answer.json()["number"] == 2
    version = resident.get(f"/api/cocreation/plans/{plan['id']}/versions/2/").json()
    changed = [s for s in version["sections"] if s["changed"]]
    assert [(s["amendments"], s["mine"]) for s in changed] == [([amendment], True)]
    assert {"op": "added", "text": "600 "} in changed[0]["diff"]
    again = official.post(
        f"/api/cocreation/plans/{plan['id']}/versions/", {}, content_type="application/json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "unchanged"
