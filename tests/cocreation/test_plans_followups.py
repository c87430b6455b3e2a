"""Follow-ups of co-written plans: residents flag comments and moderators hide them (with a
reason, audited, the author told) or dismiss the flags on the shared moderation page; people
follow a plan and hear of its versions and its opening and closing (in the app, and by e-mail
in their language if they allowed it); officials reorder the sections."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cocity.cocreation.emails import email_plan_followers_task
from cocity.cocreation.models_plans import Plan, PlanComment, PlanCommentFlag, PlanSection
from cocity.cocreation.plans import selectors, services
from cocity.core.errors import Conflict, DomainError, NotAllowed
from cocity.core.models import AuditEntry, Notification

pytestmark = pytest.mark.django_db

DRAFT = """# Green streets plan

How the city brings shade to its streets.

## Trees

Plant 500 trees by 2030 on the widest streets.

## Water

Collect rain water in the parks.

## Benches

A bench every 200 metres.
"""


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def plan(city: dict[str, Any]) -> Plan:
    return services.plan_import(actor=city["users"]["official"], markdown=DRAFT)


def _headings(plan: Plan) -> list[str]:
    return list(plan.sections.order_by("position").values_list("heading", flat=True))


def _comment(city: dict[str, Any], plan: Plan, body: str = "You are all idiots") -> PlanComment:
    trees = plan.sections.get(heading="Trees")
    return services.plan_comment_add(section=trees, author=city["users"]["resident"], body=body)


# --- moderation ---------------------------------------------------------------------------------


def test_a_flagged_comment_waits_on_the_moderation_page_and_a_moderator_hides_it(
    city: dict[str, Any], plan: Plan, django_capture_on_commit_callbacks: Any
) -> None:
    users = city["users"]
    comment = _comment(city, plan)
    other = services.plan_comment_add(
        section=comment.section, author=users["official"], body="Shade on the school route"
    )
    section_url = reverse("cocreation:plan_section", args=[plan.pk, comment.section_id])
    # a neighbour flags it from the section's page (no JavaScript), once
    neighbour = _client(users["organisation_member"])
    assert reverse("cocreation:plan_comment_flag", args=[comment.pk]) in (
        neighbour.get(section_url).content.decode()
    )
    answer = neighbour.post(
        reverse("cocreation:plan_comment_flag", args=[comment.pk]), {"reason": "insults"}
    )
    assert answer.status_code == 302
    assert "You flagged this comment" in neighbour.get(section_url).content.decode()
    assert not services.plan_comment_flag(comment=comment, user=users["organisation_member"])
    assert services.plan_comment_flag(comment=comment, user=users["official"])
    with pytest.raises(DomainError) as err:
        services.plan_comment_flag(comment=comment, user=users["resident"])
    assert err.value.code == "own_comment"
    assert AuditEntry.objects.filter(action="cocreation.plan_comment_flagged").count() == 2

    # the moderators' page lists it beside the proposals' comments, the most flagged first
    services.plan_comment_flag(comment=other, user=users["organisation_member"])
    assert [c.pk for c in selectors.flagged_comments()] == [comment.pk, other.pk]
    moderation = reverse("cocreation:moderation")
    assert _client(users["resident"]).get(moderation).status_code == 403
    page = _client(users["moderator"]).get(moderation).content.decode()
    assert "Flagged comments on plans" in page
    assert "You are all idiots" in page
    assert "insults" in page
    assert "Flagged by 2 people" in page
    act = reverse("cocreation:plan_comment_moderate", args=[comment.pk])
    assert act in page

    # a resident cannot settle it; hiding needs a reason
    refused = _client(users["resident"]).post(act, {"action": "hide", "reason": "x"})
    assert refused.status_code == 403
    with pytest.raises(DomainError):
        services.plan_comment_moderate(comment=comment, actor=users["moderator"], hide=True)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _client(users["moderator"]).post(
            act, {"action": "hide", "reason": "Insults are not allowed."}
        )
    assert answer.status_code == 302
    assert answer["Location"] == moderation
    comment.refresh_from_db()
    assert comment.hidden
    assert comment.hidden_by == users["moderator"]
    assert not PlanCommentFlag.objects.filter(comment=comment, resolved_at=None).exists()
    assert [c.pk for c in selectors.flagged_comments()] == [other.pk]
    entry = AuditEntry.objects.get(action="cocreation.plan_comment_moderated")
    assert entry.data["hidden"] is True
    assert entry.data["flags"] == 2
    told = Notification.objects.get(recipient=users["resident"])
    assert "Insults are not allowed." in told.params["reason"]
    assert told.link == section_url
    with pytest.raises(Conflict):
        services.plan_comment_moderate(
            comment=comment, actor=users["moderator"], hide=True, reason="again"
        )
    with pytest.raises(Conflict):
        services.plan_comment_flag(comment=comment, user=users["moderator"])

    # others read that it was hidden and why, not its text; its author still reads it
    page = _client().get(section_url).content.decode()
    assert "A moderator hid this comment." in page
    assert "Insults are not allowed." in page
    assert "You are all idiots" not in page
    assert "You are all idiots" in _client(users["resident"]).get(section_url).content.decode()
    api = _client().get(f"/api/cocreation/plans/sections/{comment.section_id}/comments/").json()
    shown = {c["id"]: c for c in api["results"]} if isinstance(api, dict) else {}
    if not shown:
        shown = {c["id"]: c for c in api}
    assert shown[comment.pk]["hidden"] is True
    assert shown[comment.pk]["body"] == ""
    assert shown[comment.pk]["hidden_reason"] == "Insults are not allowed."
    assert shown[other.pk]["body"] == "Shade on the school route"
    rows = list(
        csv.DictReader(
            io.StringIO(_client().get(reverse("cocreation:plan_csv", args=[plan.pk])).text)
        )
    )
    hidden_row = next(r for r in rows if r["id"] == str(comment.pk))
    assert (hidden_row["text"], hidden_row["status"]) == ("", "hidden")
    # the section list counts only the comments shown
    assert next(s.n_comments for s in selectors.plan_sections(plan)) == 1


def test_a_moderator_dismisses_flags_and_the_comment_stays(
    city: dict[str, Any], plan: Plan
) -> None:
    users = city["users"]
    comment = _comment(city, plan, "Why not fruit trees?")
    services.plan_comment_flag(comment=comment, user=users["organisation_member"], reason="spam")
    with pytest.raises(NotAllowed):
        services.plan_comment_moderate(comment=comment, actor=users["official"], hide=False)
    _client(users["moderator"]).post(
        reverse("cocreation:plan_comment_moderate", args=[comment.pk]), {"action": "dismiss"}
    )
    comment.refresh_from_db()
    assert not comment.hidden
    assert not selectors.flagged_comments().exists()
    entry = AuditEntry.objects.get(action="cocreation.plan_comment_moderated")
    assert entry.data["hidden"] is False
    assert not Notification.objects.filter(recipient=users["resident"]).exists()
    with pytest.raises(Conflict) as err:
        services.plan_comment_moderate(comment=comment, actor=users["moderator"], hide=False)
    assert err.value.code == "not_flagged"
    # someone else may still flag it: it is back in the queue
    assert services.plan_comment_flag(comment=comment, user=users["official"])
    assert [c.n_flags for c in selectors.flagged_comments()] == [1]


def test_flag_through_the_api(city: dict[str, Any], plan: Plan) -> None:
    comment = _comment(city, plan)
    url = f"/api/cocreation/plans/comments/{comment.pk}/flag/"
    assert _client().post(url, {}, content_type="application/json").status_code in (401, 403)
    neighbour = _client(city["users"]["organisation_member"])
    answer = neighbour.post(url, {"reason": "rude"}, content_type="application/json")
    assert answer.status_code == 200
    assert answer.json() == {"flagged": True}
    assert neighbour.post(url, {}, content_type="application/json").json() == {"flagged": False}
    own = _client(city["users"]["resident"]).post(url, {}, content_type="application/json")
    assert own.status_code == 400
    assert own["Content-Type"] == "application/problem+json"
    assert PlanCommentFlag.objects.get().reason == "rude"


def test_hidden_comments_leave_the_groups_of_similar_comments(
    city: dict[str, Any], plan: Plan
) -> None:
    users = city["users"]
    first = _comment(city, plan, "More shade trees please now")
    _comment(city, plan, "please more shade trees now")
    services.plan_comment_moderate(
        comment=first, actor=users["moderator"], hide=True, reason="Off topic"
    )
    groups = selectors.comment_groups(first.section)
    assert [g["size"] for g in groups["groups"]] == [1]
    assert groups["groups"][0]["example"] == ""


# --- followers ----------------------------------------------------------------------------------


def test_followers_hear_of_new_versions_and_of_the_plan_opening_and_closing(
    city: dict[str, Any], plan: Plan, django_capture_on_commit_callbacks: Any
) -> None:
    users = city["users"]
    official, resident, member = users["official"], users["resident"], users["organisation_member"]
    # follow from the plan's page, without JavaScript
    page = _client(resident)
    assert "Follow this plan" in page.get(reverse("cocreation:plan", args=[plan.pk])).text
    assert page.post(reverse("cocreation:plan_follow", args=[plan.pk])).status_code == 302
    assert selectors.is_plan_follower(plan=plan, user=resident)
    assert "Unfollow this plan" in page.get(reverse("cocreation:plan", args=[plan.pk])).text
    assert services.plan_follow(plan=plan, user=member)
    assert not services.plan_follow(plan=plan, user=member)
    with pytest.raises(NotAllowed):
        services.plan_follow(plan=plan, user=None)  # type: ignore[arg-type]

    # the member contributes a change: they get the contributor's notice, not a second one
    water = plan.sections.get(heading="Water")
    comment = services.plan_comment_add(section=water, author=member, body="Use the roofs too")
    services.plan_comment_address(comment=comment, actor=official)
    services.section_edit(section=water, actor=official, body="Collect rain on roofs and parks.")
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_publish(plan=plan, actor=official)
    told = Notification.objects.get(recipient=resident)
    assert told.verb == "cocreation.plan_version"
    assert told.params == {"plan": plan.title, "number": 2, "sections": "Water"}
    assert told.link == reverse("cocreation:plan_version", args=[plan.pk, 2])
    assert Notification.objects.filter(recipient=member).count() == 1
    assert not Notification.objects.filter(recipient=official).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.plan_set_open(plan=plan, actor=official, open=False)
        services.plan_set_open(plan=plan, actor=official, open=False)  # no change: no notice
    closed = Notification.objects.filter(recipient=resident, verb="cocreation.plan_state")
    assert closed.count() == 1
    assert closed.get().text == services.FOLLOWED_CLOSED

    # unfollowing stops the news
    page.post(reverse("cocreation:plan_follow", args=[plan.pk]), {"follow": "0"})
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_set_open(plan=plan, actor=official, open=True)
    assert Notification.objects.filter(recipient=resident).count() == 2
    assert Notification.objects.filter(recipient=member, verb="cocreation.plan_state").count() == 2


def test_followers_who_allowed_it_get_the_news_by_e_mail_in_their_language(
    city: dict[str, Any], plan: Plan, mailoutbox: Any, settings: Any
) -> None:
    from cocity.core.services import consent_grant

    settings.COCITY_BASE_URL = "https://participa.example.org"
    users = city["users"]
    resident, member = users["resident"], users["organisation_member"]
    for person in (resident, users["moderator"], member):
        services.plan_follow(plan=plan, user=person)
    consent_grant(user=resident, purpose="email_updates")  # the moderator did not allow e-mail
    consent_grant(user=member, purpose="email_updates")
    resident.preferred_language = "es"
    resident.save(update_fields=["preferred_language"])
    sent = email_plan_followers_task.call(
        plan.pk,
        services.FOLLOWED_CLOSED,
        {"plan": plan.title},
        f"/challenges/plans/{plan.pk}/",
        [member.pk],  # told otherwise
    )
    assert sent == 1
    mail = mailoutbox[0]
    assert mail.to == [resident.email]
    assert "Green streets plan" in mail.subject
    assert mail.subject.startswith("Novedades")
    assert "cerrado" in mail.body
    assert f"https://participa.example.org/challenges/plans/{plan.pk}/" in mail.body


def test_follow_through_the_api(city: dict[str, Any], plan: Plan) -> None:
    url = f"/api/cocreation/plans/{plan.pk}/follow/"
    resident = _client(city["users"]["resident"])
    assert resident.get(url).json() == {"following": False}
    assert resident.post(url, {}, content_type="application/json").json() == {"following": True}
    assert resident.get(url).json() == {"following": True}
    resident.post(url, {"follow": False}, content_type="application/json")
    assert not selectors.is_plan_follower(plan=plan, user=city["users"]["resident"])
    assert _client().post(url, {}, content_type="application/json").status_code in (401, 403)


# --- the order of sections ----------------------------------------------------------------------


def test_officials_reorder_sections_and_the_next_version_keeps_the_order(
    city: dict[str, Any], plan: Plan
) -> None:
    official = city["users"]["official"]
    benches = plan.sections.get(heading="Benches")
    services.section_move(section=benches, actor=official, position=1)
    assert _headings(plan) == ["Benches", "Trees", "Water"]
    trees = plan.sections.get(heading="Trees")
    services.section_move(section=trees, actor=official, position=3)
    assert _headings(plan) == ["Benches", "Water", "Trees"]
    assert list(plan.sections.order_by("position").values_list("position", flat=True)) == [1, 2, 3]
    entry = AuditEntry.objects.filter(action="cocreation.plan_section_moved").last()
    assert entry is not None
    assert entry.data == {"plan": plan.pk, "from": 2, "to": 3}
    with pytest.raises(DomainError) as err:
        services.section_move(section=trees, actor=official, position=4)
    assert err.value.code == "bad_position"
    with pytest.raises(NotAllowed):
        services.section_move(section=trees, actor=city["users"]["resident"], position=1)
    version = services.plan_publish(plan=plan, actor=official, note="New order")
    assert [s["heading"] for s in version.sections] == ["Benches", "Water", "Trees"]


def test_move_buttons_work_without_javascript(city: dict[str, Any], plan: Plan) -> None:
    official = _client(city["users"]["official"])
    page = official.get(reverse("cocreation:plan", args=[plan.pk])).text
    _trees, water, _benches = plan.sections.order_by("position")
    assert page.count('value="up"') == 2
    assert page.count('value="down"') == 2
    assert (
        "Move up"
        not in _client(city["users"]["resident"])
        .get(reverse("cocreation:plan", args=[plan.pk]))
        .text
    )
    url = reverse("cocreation:plan_section_move", args=[plan.pk, water.pk])
    answer = official.post(url, {"direction": "up"})
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"#section-{water.pk}")
    assert _headings(plan) == ["Water", "Trees", "Benches"]
    official.post(url, {"direction": "down"})
    official.post(url, {"direction": "down"})
    assert _headings(plan) == ["Trees", "Benches", "Water"]
    answer = official.post(url, {"direction": "down"}, HTTP_REFERER="http://testserver/")
    assert answer.status_code == 302  # already last: an error message, no change
    assert _headings(plan) == ["Trees", "Benches", "Water"]
    resident = _client(city["users"]["resident"])
    assert resident.post(url, {"direction": "up"}).status_code == 403


def test_move_through_the_api(city: dict[str, Any], plan: Plan) -> None:
    water = plan.sections.get(heading="Water")
    url = f"/api/cocreation/plans/sections/{water.pk}/position/"
    resident = _client(city["users"]["resident"])
    assert resident.post(url, {"position": 1}, content_type="application/json").status_code == 403
    official = _client(city["users"]["official"])
    answer = official.post(url, {"position": 1}, content_type="application/json")
    assert answer.status_code == 200
    assert answer.json()["position"] == 1
    detail = official.get(f"/api/cocreation/plans/{plan.pk}/").json()
    assert [s["heading"] for s in detail["sections"]] == ["Water", "Trees", "Benches"]
    bad = official.post(url, {"position": 9}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "bad_position"
    assert isinstance(PlanSection.objects.get(pk=water.pk).position, int)


def test_the_moderation_page_reads_flagged_comments_in_a_fixed_number_of_queries(
    city: dict[str, Any], plan: Plan
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    users = city["users"]
    moderator = _client(users["moderator"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert moderator.get(reverse("cocreation:moderation")).status_code == 200
        return len(seen)

    flagged = _comment(city, plan, "First rude comment")
    services.plan_comment_flag(comment=flagged, user=users["official"], reason="rude")
    one = queries()
    for i in range(4):
        more = _comment(city, plan, f"Rude comment number {i}")
        services.plan_comment_flag(comment=more, user=users["official"], reason=f"rude {i}")
        services.plan_comment_flag(comment=more, user=users["organisation_member"])
    assert selectors.flagged_comments().count() == 5
    assert queries() == one
