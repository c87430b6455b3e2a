from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cocity.deliberation import services
from cocity.deliberation.models import Conversation, Statement, Vote

pytestmark = pytest.mark.django_db


def login(client: Client, user: Any) -> Client:
    assert client.login(email=user.email, password="pw-12345-long")
    return client


def test_list_shows_conversations_with_counts(
    client: Client, camps: Conversation, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(8):
        page = client.get(reverse("deliberation:list")).content.decode()
    assert "How should we get around?" in page
    assert ">240<" in page  # votes
    assert reverse("deliberation:results", args=[camps.pk]) in page


def test_anonymous_visitor_votes_one_card_at_a_time(
    client: Client, conversation: Conversation
) -> None:
    url = reverse("deliberation:detail", args=[conversation.pk])
    seen = set()
    for _ in range(8):
        page = client.get(url).content.decode()
        match = re.search(r'name="statement" value="(\d+)"', page)
        assert match, page
        assert page.count('name="statement"') == 1  # one card
        assert 'value="agree"' in page
        assert 'value="pass"' in page
        number = match.group(1)
        assert number not in seen
        seen.add(number)
        response = client.post(
            reverse("deliberation:vote", args=[conversation.pk]),
            {"statement": number, "vote": "agree"},
        )
        assert response.status_code == 302
        assert response["Location"].endswith("#card")
    page = client.get(url).content.decode()
    assert "You have voted on every statement" in page
    assert Vote.objects.filter(participant__session_key__gt="").count() == 8


def test_unknown_vote_shows_a_message_not_an_error(
    client: Client, conversation: Conversation
) -> None:
    url = reverse("deliberation:detail", args=[conversation.pk])
    response = client.post(
        reverse("deliberation:vote", args=[conversation.pk]),
        {"statement": 0, "vote": "perhaps"},
        HTTP_REFERER="http://testserver" + url,
        follow=True,
    )
    assert response.status_code == 200
    assert "agree (1), disagree (-1) or pass (0)" in response.content.decode()
    assert not Vote.objects.exists()


def test_login_required_where_anonymous_is_not_allowed(
    client: Client, city: dict[str, Any], conversation: Conversation
) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(allow_anonymous=False)
    page = client.get(reverse("deliberation:detail", args=[conversation.pk])).content.decode()
    assert "to take part in this conversation" in page
    assert 'name="vote"' not in page
    login(client, city["users"]["resident"])
    page = client.get(reverse("deliberation:detail", args=[conversation.pk])).content.decode()
    assert 'name="vote"' in page


def test_statements_go_to_the_moderation_queue(
    client: Client, city: dict[str, Any], conversation: Conversation
) -> None:
    login(client, city["users"]["resident"])
    response = client.post(
        reverse("deliberation:statement_add", args=[conversation.pk]),
        {"body": "A library bus for the outskirts."},
        follow=True,
    )
    assert "waits for a moderator" in response.content.decode()
    statement = Statement.objects.get(body="A library bus for the outskirts.")
    moderate_url = reverse("deliberation:moderate", args=[conversation.pk])
    assert client.get(moderate_url).status_code == 403
    client.logout()
    login(client, city["users"]["moderator"])
    page = client.get(moderate_url).content.decode()
    assert "A library bus for the outskirts." in page
    response = client.post(moderate_url, {"statement": statement.pk, "decision": "accepted"})
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.status == Statement.Status.ACCEPTED
    assert "No statements are waiting" in client.get(moderate_url).content.decode()


def test_officials_start_conversations_in_the_browser(client: Client, city: dict[str, Any]) -> None:
    url = reverse("deliberation:create")
    login(client, city["users"]["resident"])
    assert client.get(url).status_code == 403
    client.logout()
    login(client, city["users"]["official"])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "topic": "Library hours",
            "description": "When should libraries open?",
            "allow_anonymous": "on",
            "seed_statements": "Open on Sundays.\n\nOpen until 22:00.",
        },
    )
    conversation = Conversation.objects.get(topic="Library hours")
    assert response["Location"] == reverse("deliberation:detail", args=[conversation.pk])
    assert conversation.allow_anonymous
    assert conversation.statements.filter(status="accepted").count() == 2


def test_results_page_shows_groups_map_and_representative_statements(
    client: Client, camps: Conversation
) -> None:
    url = reverse("deliberation:results", args=[camps.pk])
    assert "Not enough votes yet" in client.get(url).content.decode()
    result = services.analysis_run(conversation=camps)
    assert result is not None
    page = client.get(url).content.decode()
    assert "<svg" in page
    assert '<title id="map-title">' in page
    assert page.count("<circle cx=") - page.count('aria-hidden="true"><circle') == 30
    groups = re.findall(r'<h2 id="group-\d+">', page)
    assert len(groups) >= 2
    lists = re.findall(r'<ol class="representative">(.*?)</ol>', page, re.S)
    assert len(lists) == len(groups)
    assert all("<q>" in items for items in lists)
    assert "Group A" in page
    assert "Group B" in page
    assert "30 participants" in page
    assert "240 votes" in page
    consensus = page.split('id="consensus-heading"')[1]
    assert "Fix the potholes first." in consensus


def test_export_downloads_polis_csv(client: Client, camps: Conversation) -> None:
    response = client.get(reverse("deliberation:export", args=[camps.pk, "votes"]))
    lines = response.content.decode().splitlines()
    assert lines[0] == "timestamp,datetime,comment-id,voter-id,vote"
    assert len(lines) == 241
    comments = client.get(reverse("deliberation:export", args=[camps.pk, "comments"]))
    assert "Fix the potholes first." in comments.content.decode()
    assert client.get(reverse("deliberation:export", args=[camps.pk, "other"])).status_code == 404
    assert client.get(reverse("deliberation:detail", args=[999])).status_code == 404


def test_pages_in_spanish(client: Client, camps: Conversation) -> None:
    services.analysis_run(conversation=camps)
    client.cookies["django_language"] = "es"
    page = client.get(reverse("deliberation:results", args=[camps.pk])).content.decode()
    assert "Mapa de opiniones" in page
    # coordinates stay machine-readable (no decimal commas inside the SVG)
    assert re.search(r'<circle cx="\d+(\.\d+)?" cy="\d+(\.\d+)?"', page)
    assert not re.search(r'<circle cx="\d+,\d', page)
    page = client.get(reverse("deliberation:detail", args=[camps.pk])).content.decode()
    assert "De acuerdo" in page


def test_near_duplicates_get_a_warning(
    client: Client, city: dict[str, Any], conversation: Conversation
) -> None:
    login(client, city["users"]["resident"])
    response = client.post(
        reverse("deliberation:statement_add", args=[conversation.pk]),
        {"body": "More buses at night!"},
        follow=True,
    )
    page = response.content.decode()
    assert "Similar statements are already in the conversation" in page
    assert "More buses at night." in page
    response = client.post(
        reverse("deliberation:statement_add", args=[conversation.pk]),
        {"body": "A skate park by the river."},
        follow=True,
    )
    assert "Similar statements" not in response.content.decode()


def test_admin_shows_conversations_read_only(
    client: Client, city: dict[str, Any], conversation: Conversation
) -> None:
    login(client, city["users"]["admin"])
    page = client.get("/admin/deliberation/conversation/").content.decode()
    assert "How should we get around?" in page
    assert client.get("/admin/deliberation/conversation/add/").status_code == 403
    assert client.get("/admin/deliberation/statement/").status_code == 200
    assert client.get("/admin/deliberation/analysisresult/").status_code == 200


def test_officials_close_a_conversation(
    client: Client, city: dict[str, Any], conversation: Conversation
) -> None:
    url = reverse("deliberation:close", args=[conversation.pk])
    login(client, city["users"]["resident"])
    assert client.post(url).status_code == 403
    conversation.refresh_from_db()
    assert conversation.is_open()
    client.logout()
    login(client, city["users"]["official"])
    detail = client.get(reverse("deliberation:detail", args=[conversation.pk])).content.decode()
    assert "Close the conversation now" in detail
    response = client.post(url, follow=True)
    assert "The conversation is closed." in response.content.decode()
    conversation.refresh_from_db()
    assert not conversation.is_open()
    page = client.get(reverse("deliberation:detail", args=[conversation.pk])).content.decode()
    assert "This conversation is closed" in page
    assert 'name="vote"' not in page


def test_detail_and_results_pages_use_few_queries(
    client: Client, camps: Conversation, django_assert_max_num_queries: Any
) -> None:
    services.analysis_run(conversation=camps)
    with django_assert_max_num_queries(12):
        client.get(reverse("deliberation:detail", args=[camps.pk]))
    with django_assert_max_num_queries(10):
        client.get(reverse("deliberation:results", args=[camps.pk]))


def test_conversation_form_links_a_need_a_district_and_dates(
    client: Client, city: dict[str, Any]
) -> None:
    from cocity.needs import services as needs_services

    category = needs_services.category_create(
        code="bus-stop", name="Bus stop", department=city["departments"]["roads"]
    )
    report = needs_services.report_submit(
        category=category, lat=40.965, lon=-5.695, description="The shelter is broken"
    )
    district = report.area
    assert district is not None
    login(client, city["users"]["official"])
    url = reverse("deliberation:create")
    form = {
        "topic": "Bus shelters",
        "area": district.pk,
        "opens_at": "2030-01-10T09:00",
        "closes_at": "2030-01-01T09:00",
        "need": 999999,
    }
    page = client.post(url, form).content.decode()
    assert "There is no report with this number." in page
    assert "The closing time must come after the opening time." in page
    assert not Conversation.objects.filter(topic="Bus shelters").exists()

    response = client.post(url, {**form, "need": report.pk, "closes_at": "2030-02-01T09:00"})
    assert response.status_code == 302
    conversation = Conversation.objects.get(topic="Bus shelters")
    assert (conversation.need, conversation.area) == (report, district)
    assert conversation.opens_at is not None
    assert conversation.closes_at is not None
    assert conversation.opens_at < conversation.closes_at
    assert not conversation.is_open()  # it opens in 2030
    detail = client.get(response["Location"]).content.decode()
    assert reverse("needs:detail", args=[report.pk]) in detail
    assert district.name in detail


def test_statements_carry_their_own_language_tag(client: Client, city: dict[str, Any]) -> None:
    conversation = services.conversation_create(
        actor=city["users"]["official"],
        topic="UberX",
        allow_anonymous=True,
        seed_statements=["應該開放共乘"],
        language="zh",
    )
    page = client.get(reverse("deliberation:detail", args=[conversation.pk])).content.decode()
    assert '<html lang="en">' in page
    assert '<q lang="zh">應該開放共乘</q>' in page
