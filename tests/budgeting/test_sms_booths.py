"""Confirming a mobile number by SMS before voting online, assisted voting at booths by
organisation members, and one ballot per person across these channels too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client, override_settings

from cocity.budgeting import services, sms
from cocity.budgeting.models import Ballot, PhoneCheck, Process, VotingCode
from cocity.core.errors import Conflict, DomainError, NotAllowed
from cocity.core.models import AuditEntry

from .conftest import to_phase, with_projects

LOCMEM = override_settings(COCITY_SMS_BACKEND="cocity.budgeting.sms.LocmemSmsBackend")


@pytest.fixture
def voting(budget: dict[str, Any]) -> dict[str, Any]:
    ideas = with_projects(budget, {"A": 60, "B": 30, "C": 30})
    Process.objects.filter(pk=budget["process"].pk).update(sms_verification=True)
    to_phase(budget["process"], "voting", budget["users"]["official"])
    sms.outbox.clear()
    return {**budget, "ideas": ideas, "pick": {str(ideas["A"].pk): 1}}


def _sent_code() -> str:
    match = re.search(r"\b(\d{6})\b", sms.outbox[-1].body)
    assert match
    return match.group(1)


@LOCMEM
def test_sms_confirmation_gates_online_voting(
    voting: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    resident, process = voting["users"]["resident"], voting["process"]
    env = voting["envelopes"]["city"]
    with pytest.raises(NotAllowed):
        services.ballot_cast(user=resident, envelope=env, choices=voting["pick"])
    with pytest.raises(DomainError):
        services.phone_code_send(user=resident, process=process, phone="600 111 222")
    with django_capture_on_commit_callbacks(execute=True):
        services.phone_code_send(user=resident, process=process, phone="+34 600 111 222")
    assert sms.outbox[-1].to == "+34600111222"
    code = _sent_code()
    stored = PhoneCheck.objects.get()
    assert "600111222" not in stored.phone_hash
    assert code not in stored.code_hash
    with pytest.raises(Conflict):  # no second SMS within a minute
        services.phone_code_send(user=resident, process=process, phone="+34600111222")
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(DomainError):
        services.phone_code_confirm(user=resident, process=process, code=wrong)
    assert PhoneCheck.objects.get().attempts == 1  # the failed try is kept
    services.phone_code_confirm(user=resident, process=process, code=code)
    ballot = services.ballot_cast(user=resident, envelope=env, choices=voting["pick"])
    assert ballot.channel == "online"
    # another account cannot confirm the same number, so it cannot vote a second time with it
    other = voting["users"]["moderator"]
    with pytest.raises(Conflict):
        services.phone_code_send(user=other, process=process, phone="0034600111222")
    assert {e.action for e in AuditEntry.objects.filter(action__startswith="budget.phone")} == {
        "budget.phone_confirmed"
    }


@LOCMEM
def test_sms_expires_after_five_wrong_tries(
    voting: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    resident, process = voting["users"]["resident"], voting["process"]
    with django_capture_on_commit_callbacks(execute=True):
        services.phone_code_send(user=resident, process=process, phone="+34600999888")
    code = _sent_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(DomainError):
            services.phone_code_confirm(user=resident, process=process, code=wrong)
    with pytest.raises(Conflict):
        services.phone_code_confirm(user=resident, process=process, code=code)
    assert services.phone_verified(resident, process) is None


@LOCMEM
def test_phone_page_without_javascript(
    client: Client, voting: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    process, env = voting["process"], voting["envelopes"]["city"]
    client.force_login(voting["users"]["resident"])
    ballot_url = f"/budgets/{process.slug}/{env.slug}/vote/"
    assert 'id="phone-needed"' in client.get(ballot_url).content.decode()
    url = f"/budgets/{process.slug}/phone/"
    assert "Send me a code" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        res = client.post(url, {"action": "send", "phone": "+34 611 222 333", "next": ballot_url})
    assert res.status_code == 302
    res = client.post(url, {"action": "confirm", "code": "x", "next": ballot_url})
    assert res.status_code == 400
    res = client.post(url, {"action": "confirm", "code": _sent_code(), "next": ballot_url})
    assert res.status_code == 302
    assert res["Location"] == ballot_url
    assert 'id="phone-needed"' not in client.get(ballot_url).content.decode()
    a = voting["ideas"]["A"]
    assert client.post(ballot_url, {f"p{a.pk}": "1", "action": "cast"}).status_code == 302
    assert Ballot.objects.filter(channel="online").count() == 1


def test_console_backend_is_the_default(caplog: Any) -> None:
    with caplog.at_level("INFO", logger="cocity.sms"):
        assert sms.send_sms("+34600111222", "hello") == 1
    assert "hello" in caplog.text
    assert "600111222" not in str(caplog.records[-1].__dict__)


def test_assisted_voting_at_a_booth(voting: dict[str, Any]) -> None:
    u, process = voting["users"], voting["process"]
    env = voting["envelopes"]["city"]
    Process.objects.filter(pk=process.pk).update(sms_verification=False)
    member = u["organisation_member"]
    with pytest.raises(NotAllowed):  # not a helper yet
        services.ballot_cast_assisted(helper=member, envelope=env, choices=voting["pick"], code="x")
    with pytest.raises(DomainError):  # only organisation members
        services.booth_helper_grant(actor=u["official"], process=process, user=u["resident"])
    with pytest.raises(NotAllowed):  # only officials give the role
        services.booth_helper_grant(actor=member, process=process, user=member)
    services.booth_helper_grant(actor=u["official"], process=process, user=member)
    code = services.codes_generate(actor=u["official"], envelope=env, count=1)[0]
    with pytest.raises(DomainError):  # a code or an identifier is needed
        services.ballot_cast_assisted(helper=member, envelope=env, choices=voting["pick"])
    ballot = services.ballot_cast_assisted(
        helper=member, envelope=env, choices=voting["pick"], code=code
    )
    assert ballot.channel == "assisted"
    assert VotingCode.objects.get().spent_at is not None
    with pytest.raises(Conflict):  # the same code cannot vote again, at a booth or online
        services.ballot_cast_with_code(envelope=env, code=code, choices=voting["pick"])
    # a listed voter assisted at a booth cannot vote again online: same key on both channels
    services.eligibility_import(actor=u["official"], process=process, rows=[("Z-7", "")])
    services.ballot_cast_assisted(
        helper=member, envelope=env, choices=voting["pick"], identifier="z7"
    )
    services.eligibility_claim(user=u["resident"], process=process, identifier="Z-7")
    with pytest.raises(Conflict):
        services.ballot_cast(user=u["resident"], envelope=env, choices=voting["pick"])
    audit = AuditEntry.objects.filter(action="budget.assisted_ballot")
    assert [(e.actor_id, e.data) for e in audit.order_by("pk")] == [
        (member.pk, {"with": "code"}),
        (member.pk, {"with": "identifier"}),
    ]
    refused = AuditEntry.objects.get(action="budget.ballot_refused")
    assert refused.data == {"channel": "online", "reason": "already_voted"}
    services.booth_helper_revoke(actor=u["official"], process=process, user=member)
    with pytest.raises(NotAllowed):
        services.ballot_cast_assisted(
            helper=member, envelope=env, choices=voting["pick"], identifier="z7"
        )


def test_assisted_pages_and_turnout(client: Client, voting: dict[str, Any]) -> None:
    u, process = voting["users"], voting["process"]
    env, a = voting["envelopes"]["city"], voting["ideas"]["A"]
    Process.objects.filter(pk=process.pk).update(sms_verification=False)
    url = f"/budgets/{process.slug}/{env.slug}/assisted/"
    client.force_login(u["organisation_member"])
    assert client.get(url).status_code == 403
    client.force_login(u["official"])
    res = client.post(
        f"/budgets/{process.slug}/booth-helpers/",
        {"email": u["organisation_member"].email, "action": "grant"},
    )
    assert res.status_code == 302
    assert (
        u["organisation_member"].email
        in client.get(f"/budgets/{process.slug}/manage/").content.decode()
    )
    code = services.codes_generate(actor=u["official"], envelope=env, count=1)[0]
    client.force_login(u["organisation_member"])
    assert client.get(url).status_code == 200
    res = client.post(url, {"code": code, f"p{a.pk}": "1", "action": "cast"}, follow=True)
    receipt = Ballot.objects.get().receipt
    assert receipt in res.content.decode()
    api = client.get("/api/budgets/").json()
    data = api["results"] if isinstance(api, dict) else api
    city = next(e for p in data for e in p["envelopes"] if e["slug"] == "city")
    assert city["turnout"]["by_channel"]["assisted"] == 1
    page = client.get(f"/budgets/{process.slug}/").content.decode()
    assert "Assisted at a booth" in page
