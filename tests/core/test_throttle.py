"""Bots and brute force: rate limits in the shared cache, honeypots, bursts for moderators,
sign-up that reveals nothing. The counters live in the real default cache (the database cache,
on the test database)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from cocity.core.models import Notification, Role, User
from cocity.core.throttle import client_ip, parse_rate
from cocity.deliberation import services as deliberation
from cocity.deliberation.models import Participant, Statement, Vote


@pytest.fixture
def open_conversation(city: dict[str, Any]) -> Any:
    return deliberation.conversation_create(
        actor=city["users"][Role.OFFICIAL],
        topic="Night buses",
        allow_anonymous=True,
        seed_statements=["More buses at night.", "Fewer buses, more bikes."],
    )


def test_the_default_cache_is_shared_by_every_worker(db: None) -> None:
    # not a per-process memory cache: counters must add up across workers
    assert settings.CACHES["default"]["BACKEND"] in {
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.redis.RedisCache",
    }
    cache.set("guard-probe", 41)
    assert cache.incr("guard-probe") == 42


def test_rates_parse() -> None:
    assert parse_rate("10/h") == (10, 3600)
    assert parse_rate("5/5m") == (5, 300)
    assert parse_rate("300/d") == (300, 86400)


def test_client_address_ignores_forwarded_headers_unless_a_proxy_is_trusted(settings: Any) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6")
    settings.COCITY_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.9"
    settings.COCITY_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    assert client_ip(request) == "203.0.113.7"  # what our proxy saw, not what the client claims


def test_cookie_less_votes_do_not_make_endless_participants(
    open_conversation: Any, city: dict[str, Any]
) -> None:
    """20 cookie-less POSTs made 20 participants; now the 11th new one from an address is held
    back, and moderators hear about the burst once."""
    url = f"/conversations/{open_conversation.pk}/vote/"
    statuses = []
    for _ in range(20):
        res = Client().post(url, {"statement": 0, "vote": "agree"})  # a new client: no cookie
        statuses.append(res.status_code)
    assert statuses[:10] == [302] * 10
    assert set(statuses[10:]) == {429}
    assert Participant.objects.filter(conversation=open_conversation, user=None).count() == 10
    last = Client().post(url, {"statement": 0, "vote": "agree"})
    assert int(last["Retry-After"]) > 0
    assert "Too many contributions" in last.content.decode()
    bursts = Notification.objects.filter(verb="burst")
    assert {n.recipient.role for n in bursts} == {Role.MODERATOR, Role.ADMIN}
    assert bursts.count() == 2  # once per moderator and admin, not once per refused request
    assert f"/conversations/{open_conversation.pk}/moderate/" in bursts.first().link  # type: ignore[union-attr]


def test_a_participant_with_a_cookie_keeps_voting(open_conversation: Any) -> None:
    client = Client()
    url = f"/conversations/{open_conversation.pk}/vote/"
    for number in (0, 1, 0, 1, 0, 1, 0, 1):
        assert client.post(url, {"statement": number, "vote": "agree"}).status_code == 302
    assert Participant.objects.filter(conversation=open_conversation, user=None).count() == 1


def test_api_votes_are_limited_with_problem_json(open_conversation: Any) -> None:
    url = f"/api/conversations/{open_conversation.pk}/votes/"
    codes = [APIClient().post(url, {"statement": 0, "vote": 1}).status_code for _ in range(10)]
    assert codes == [200] * 10
    res = APIClient().post(url, {"statement": 0, "vote": 1})
    assert res.status_code == 429
    assert res["Content-Type"].startswith("application/problem+json")
    assert res.json()["code"] == "throttled"
    assert int(res["Retry-After"]) > 0


def test_anonymous_statements_are_limited_per_address(
    open_conversation: Any, settings: Any
) -> None:
    settings.COCITY_RATE_LIMITS = {
        **settings.COCITY_RATE_LIMITS,
        "participant": {"ip": "100/h"},
        "statement": {"ip": "3/h", "scope": "100/h"},
    }
    client = Client()
    url = f"/conversations/{open_conversation.pk}/statements/"
    codes = [client.post(url, {"body": f"Idea number {i}"}).status_code for i in range(5)]
    assert codes == [302, 302, 302, 429, 429]
    assert Statement.objects.filter(conversation=open_conversation, author=None).count() == 3


def test_signed_in_people_are_not_counted(open_conversation: Any, city: dict[str, Any]) -> None:
    client = Client()
    client.force_login(city["users"][Role.RESIDENT])
    url = f"/conversations/{open_conversation.pk}/statements/"
    codes = {client.post(url, {"body": f"Idea number {i}"}).status_code for i in range(12)}
    assert codes == {302}


def test_anonymous_reports_are_limited_per_address(city: dict[str, Any]) -> None:
    client = Client()
    # invalid forms still count: the limit comes before any work
    codes = [client.post("/needs/report/", {"description": "x"}).status_code for _ in range(11)]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429


def test_honeypots_refuse_quietly(open_conversation: Any, city: dict[str, Any]) -> None:
    from cocity.needs.models import Report

    client = Client()
    page = client.get(f"/conversations/{open_conversation.pk}/").content.decode()
    assert 'name="website"' in page
    assert 'aria-hidden="true"' in page
    assert 'name="website"' in client.get("/needs/report/").content.decode()
    res = client.post(
        f"/conversations/{open_conversation.pk}/vote/",
        {"statement": 0, "vote": "agree", "website": "http://spam.example"},
    )
    assert res.status_code == 302
    res = client.post(
        f"/conversations/{open_conversation.pk}/statements/",
        {"body": "Buy cheap pills", "website": "http://spam.example"},
    )
    assert res.status_code == 302
    res = client.post("/needs/report/", {"description": "spam", "website": "x"})
    assert res.status_code == 302
    assert not Vote.objects.exists()
    assert not Statement.objects.filter(body__contains="pills").exists()
    assert not Report.objects.exists()


def test_signup_honeypot_creates_nothing(client: Client, db: None) -> None:
    page = client.get("/accounts/signup/").content.decode()
    assert 'name="website"' in page
    client.post(
        "/accounts/signup/",
        {
            "email": "bot@example.org",
            "password1": "a-Long-pass-123",
            "password2": "a-Long-pass-123",
            "website": "http://spam.example",
        },
    )
    assert not User.objects.filter(email="bot@example.org").exists()


def _signup(email: str) -> Any:
    return Client().post(
        "/accounts/signup/",
        {"email": email, "password1": "a-Long-pass-123", "password2": "a-Long-pass-123"},
    )


def test_signup_does_not_reveal_registered_addresses(city: dict[str, Any]) -> None:
    new = _signup("someone.new@example.org")
    taken = _signup("resident@example.org")
    assert new.status_code == taken.status_code == 302
    assert new["Location"] == taken["Location"]
    assert User.objects.filter(email="resident@example.org").count() == 1
    # the owner of the address is told by e-mail instead
    assert [m.to for m in mail.outbox] == [["someone.new@example.org"], ["resident@example.org"]]
    page = Client().get(new["Location"]).content.decode()
    assert "already" not in page.lower()


def test_signup_is_rate_limited_per_address(db: None) -> None:
    codes = [_signup(f"p{i}@example.org").status_code for i in range(7)]
    assert codes[:5] == [302] * 5
    assert 429 in codes[5:]


def test_failed_logins_lock_the_account_for_a_while(city: dict[str, Any]) -> None:
    def login(password: str, ip: str) -> Any:
        return Client(REMOTE_ADDR=ip).post(
            "/accounts/login/", {"login": "official@example.org", "password": password}
        )

    for i in range(5):
        assert login("wrong", f"10.0.0.{i}").status_code == 200
    # from yet another address, even the right password is refused for now
    blocked = login("pw-12345-long", "10.0.1.1")
    assert blocked.status_code in (200, 429)
    assert "_auth_user_id" not in blocked.client.session
    assert "Too many failed login attempts" in blocked.content.decode()


def test_token_endpoint_is_limited_per_address(city: dict[str, Any]) -> None:
    api = APIClient()
    codes = [
        api.post("/api/token/", {"username": f"x{i}@example.org", "password": "no"}).status_code
        for i in range(21)
    ]
    assert codes[:20] == [400] * 20
    assert codes[20] == 429


def test_token_endpoint_is_limited_per_account(city: dict[str, Any]) -> None:
    def attempt(ip: str, password: str = "wrong") -> Any:
        return APIClient(REMOTE_ADDR=ip).post(
            "/api/token/", {"username": "Official@example.org", "password": password}
        )

    assert [attempt(f"10.0.0.{i}").status_code for i in range(5)] == [400] * 5
    res = attempt("10.9.9.9", password="pw-12345-long")
    assert res.status_code == 429
    assert res["Content-Type"].startswith("application/problem+json")
    assert int(res["Retry-After"]) > 0
