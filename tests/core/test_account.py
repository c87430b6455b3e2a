"""The "My account" page (/me/): each app's section of what is mine, sign-in settings, privacy."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cocity.deliberation import services as deliberation
from cocity.needs import services as needs

pytestmark = pytest.mark.django_db

N1 = (40.965, -5.695)


def login(client: Client, user: Any) -> Client:
    assert client.login(email=user.email, password="pw-12345-long")
    return client


@pytest.fixture
def mine(city: dict[str, Any]) -> dict[str, Any]:
    """The resident has filed `n` reports, follows another person's, wrote two statements and
    voted in two conversations; other people's rows must not show up."""
    resident, official = city["users"]["resident"], city["users"]["official"]
    tree = needs.category_create(
        code="fallen-tree",
        name="Fallen tree",
        department=city["departments"]["parks"],
        expected_days=3,
    )

    def report(user: Any, text: str) -> Any:
        return needs.report_submit(
            category=tree, description=text, lat=N1[0], lon=N1[1], reporter=user
        )

    filed = [report(resident, f"My tree number {i}") for i in range(4)]
    other = report(official, "Somebody else's tree")
    needs.report_follow(report=other, user=resident)
    talks = [
        deliberation.conversation_create(
            actor=official, topic=topic, seed_statements=["Seed one.", "Seed two."]
        )
        for topic in ("Night buses?", "Trees on school streets?")
    ]
    for talk in talks:
        for statement in talk.statements.all():
            deliberation.vote_cast(statement=statement, value=1, user=resident)
        deliberation.statement_submit(
            conversation=talk, body=f"My own idea about {talk.topic}", user=resident
        )
    return {"resident": resident, "filed": filed, "other": other, "talks": talks, **city}


def test_my_account_needs_sign_in(client: Client) -> None:
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_my_account_gathers_what_is_mine_in_a_fixed_number_of_queries(
    client: Client, mine: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    login(client, mine["resident"])
    with django_assert_max_num_queries(12) as captured:
        page = client.get("/me/").content.decode()
    few = len(captured)
    for report in mine["filed"]:
        assert f'href="/needs/{report.pk}/"' in page
    assert "Somebody else" not in page  # descriptions are not listed, only links
    assert page.count(f'href="/needs/{mine["other"].pk}/"') == 1  # followed, not filed
    for talk in mine["talks"]:
        assert talk.topic in page
        assert f"My own idea about {talk.topic}" in page
    assert "3 votes" in page  # two seeds and their own statement, which its author agrees with
    assert 'href="/accounts/email/"' in page
    assert 'href="/accounts/password/change/"' in page
    assert 'href="/me/privacy/"' in page
    assert 'href="/me/data.json"' in page
    # twice as many rows cost no more queries
    for i in range(4):
        needs.report_submit(
            category=mine["filed"][0].category,
            description=f"More {i}",
            lat=N1[0],
            lon=N1[1],
            reporter=mine["resident"],
        )
    with django_assert_max_num_queries(few):
        page = client.get("/me/").content.decode()
    assert page.count('href="/needs/') >= 9


def test_my_account_shows_only_the_newest_rows(client: Client, mine: dict[str, Any]) -> None:
    from cocity.core.selectors import ACCOUNT_ROWS

    for i in range(ACCOUNT_ROWS):
        needs.report_submit(
            category=mine["filed"][0].category,
            description=f"More {i}",
            lat=N1[0],
            lon=N1[1],
            reporter=mine["resident"],
        )
    page = login(client, mine["resident"]).get("/me/").content.decode()
    assert f'href="/needs/{mine["filed"][0].pk}/"' not in page  # the oldest is left out
    assert "Only the newest are shown here." in page


def test_my_account_of_a_newcomer_points_to_first_steps(
    client: Client, city: dict[str, Any]
) -> None:
    page = login(client, city["users"]["resident"]).get("/me/").content.decode()
    assert 'href="/needs/report/"' in page
    assert "You have not voted in a conversation yet." in page


def test_my_account_in_spanish(client: Client, mine: dict[str, Any]) -> None:
    login(client, mine["resident"])
    page = client.get("/me/", headers={"accept-language": "es"}).content.decode()
    assert '<html lang="es">' in page
    assert "Mis avisos" in page
    assert "Avisos que sigo" in page
    assert "Conversaciones en las que voté" in page
