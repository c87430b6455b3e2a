"""Eligibility lists, one-time voting codes, paper ballots by double entry, and one ballot per
person per envelope across the channels."""

from __future__ import annotations

from typing import Any

import pytest

from cocity.budgeting import services
from cocity.budgeting.models import Ballot, EligibleVoter, PaperSheet, Process, VotingCode
from cocity.core import services as core_services
from cocity.core.errors import Conflict, DomainError, NotAllowed
from cocity.core.models import AuditEntry

from .conftest import to_phase, with_projects


def refusals() -> list[dict[str, Any]]:
    return [e.data for e in AuditEntry.objects.filter(action="budget.ballot_refused")]


@pytest.fixture
def voting(budget: dict[str, Any]) -> dict[str, Any]:
    ideas = with_projects(budget, {"A": 60, "B": 30, "C": 30})
    to_phase(budget["process"], "voting", budget["users"]["official"])
    return {**budget, "ideas": ideas, "pick": {str(ideas["A"].pk): 1}}


def test_eligibility_list_stores_only_keyed_hashes(budget: dict[str, Any]) -> None:
    official, process = budget["users"]["official"], budget["process"]
    rows = services.eligibility_rows("identifier,district\n12.345.678-Z,n1\n 99999999R ,\n\n")
    assert rows == [("12.345.678-Z", "n1"), (" 99999999R ", "")]
    counts = services.eligibility_import(actor=official, process=process, rows=rows)
    assert counts == {"added": 2, "known": 0}
    again = services.eligibility_import(actor=official, process=process, rows=[("12345678z", "")])
    assert again == {"added": 0, "known": 1}  # normalised: same person
    stored = list(EligibleVoter.objects.values_list("id_hash", flat=True))
    assert all(len(h) == 64 and "12345678" not in h for h in stored)
    assert EligibleVoter.objects.get(area__isnull=False).area == budget["areas"]["n1"]
    with pytest.raises(DomainError):  # an unknown district refuses the whole file
        services.eligibility_import(actor=official, process=process, rows=[("1", "zz"), ("2", "")])
    assert EligibleVoter.objects.count() == 2
    with pytest.raises(NotAllowed):
        services.eligibility_import(
            actor=budget["users"]["resident"], process=process, rows=[("3", "")]
        )


def test_required_eligibility_online(voting: dict[str, Any]) -> None:
    official, resident = voting["users"]["official"], voting["users"]["resident"]
    process, env = voting["process"], voting["envelopes"]["city"]
    Process.objects.filter(pk=process.pk).update(require_eligibility=True)
    services.eligibility_import(actor=official, process=process, rows=[("X-1", ""), ("X-2", "")])
    with pytest.raises(NotAllowed):
        services.ballot_cast(user=resident, envelope=env, choices=voting["pick"])
    with pytest.raises(NotAllowed):
        services.eligibility_claim(user=resident, process=process, identifier="X-9")
    services.eligibility_claim(user=resident, process=process, identifier="x1")
    with pytest.raises(Conflict):  # once per account
        services.eligibility_claim(user=resident, process=process, identifier="X-2")
    other = voting["users"]["organisation_member"]
    with pytest.raises(Conflict):  # once per identifier
        services.eligibility_claim(user=other, process=process, identifier="X-1")
    ballot = services.ballot_cast(user=resident, envelope=env, choices=voting["pick"])
    assert ballot.channel == "online"


def test_codes_are_spent_once_and_only_hashes_stored(voting: dict[str, Any]) -> None:
    official, env = voting["users"]["official"], voting["envelopes"]["city"]
    codes = services.codes_generate(actor=official, envelope=env, count=3)
    assert len(set(codes)) == 3
    assert len(codes[0]) == 19
    assert not VotingCode.objects.filter(code_hash__in=codes).exists()
    ballot = services.ballot_cast_with_code(
        envelope=env, code=codes[0].lower().replace("-", " "), choices=voting["pick"]
    )
    assert ballot.channel == "code"
    assert VotingCode.objects.filter(spent_at__isnull=False).count() == 1
    with pytest.raises(Conflict):
        services.ballot_cast_with_code(envelope=env, code=codes[0], choices=voting["pick"])
    with pytest.raises(NotAllowed):
        services.ballot_cast_with_code(envelope=env, code="AAAA-BBBB", choices=voting["pick"])
    with pytest.raises(NotAllowed):  # a code belongs to its envelope
        services.ballot_cast_with_code(
            envelope=voting["envelopes"]["n1"], code=codes[1], choices={}
        )
    with pytest.raises(DomainError):  # an invalid ballot does not spend the code
        services.ballot_cast_with_code(envelope=env, code=codes[1], choices={})
    assert VotingCode.objects.filter(spent_at__isnull=True).count() == 2
    assert Ballot.objects.count() == 1


def test_paper_double_entry(voting: dict[str, Any]) -> None:
    u = voting["users"]
    env, ideas = voting["envelopes"]["city"], voting["ideas"]
    third = core_services.user_create(
        email="o3@example.org", password="pw-12345-long", role="official", display_name="O3"
    )
    a, b = {str(ideas["A"].pk): 1}, {str(ideas["B"].pk): 1}
    sheet = services.paper_enter(actor=u["official"], envelope=env, serial="P-1", choices=a)
    assert sheet.status == PaperSheet.Status.FIRST
    assert Ballot.objects.count() == 0
    with pytest.raises(Conflict):  # the same official cannot confirm their own entry
        services.paper_enter(actor=u["official"], envelope=env, serial="P-1", choices=a)
    sheet = services.paper_enter(actor=u["admin"], envelope=env, serial="P-1", choices=a)
    assert sheet.status == PaperSheet.Status.COUNTED
    assert Ballot.objects.get().channel == "paper"
    # disagreeing entries wait for a third official
    services.paper_enter(actor=u["official"], envelope=env, serial="P-2", choices=a)
    sheet = services.paper_enter(actor=u["admin"], envelope=env, serial="P-2", choices=b)
    assert sheet.status == PaperSheet.Status.MISMATCH
    assert Ballot.objects.count() == 1
    with pytest.raises(Conflict):
        services.paper_enter(actor=u["admin"], envelope=env, serial="P-2", choices=b)
    sheet = services.paper_enter(actor=third, envelope=env, serial="P-2", choices=b)
    assert sheet.status == PaperSheet.Status.COUNTED
    assert sheet.resolved_by == third
    assert Ballot.objects.filter(choices=b).count() == 1
    with pytest.raises(NotAllowed):
        services.paper_enter(actor=u["resident"], envelope=env, serial="P-3", choices=a)
    steps = [e.data["step"] for e in AuditEntry.objects.filter(action="budget.paper_entered")]
    assert steps == ["first", "second", "first", "second", "resolved"]


def test_one_ballot_per_person_across_channels(voting: dict[str, Any]) -> None:
    u = voting["users"]
    process, env, pick = voting["process"], voting["envelopes"]["city"], voting["pick"]
    Process.objects.filter(pk=process.pk).update(require_eligibility=True)
    services.eligibility_import(
        actor=u["official"], process=process, rows=[("A1", ""), ("B2", ""), ("C3", "")]
    )
    codes = services.codes_generate(actor=u["official"], envelope=env, count=3)
    # online first, then the same person with a code: refused, the code not spent
    services.eligibility_claim(user=u["resident"], process=process, identifier="A1")
    services.ballot_cast(user=u["resident"], envelope=env, choices=pick)
    with pytest.raises(Conflict):
        services.ballot_cast_with_code(envelope=env, code=codes[0], choices=pick, identifier="a1")
    assert VotingCode.objects.filter(spent_at__isnull=True).count() == 3
    with pytest.raises(NotAllowed):  # with eligibility required, a code needs the identifier
        services.ballot_cast_with_code(envelope=env, code=codes[0], choices=pick)
    # a code first, then the same person on paper: the sheet is refused
    services.ballot_cast_with_code(envelope=env, code=codes[0], choices=pick, identifier="B2")
    services.paper_enter(
        actor=u["official"], envelope=env, serial="9", choices=pick, identifier="B2"
    )
    with pytest.raises(Conflict):
        services.paper_enter(
            actor=u["admin"], envelope=env, serial="9", choices=pick, identifier="b-2"
        )
    assert PaperSheet.objects.get().status == PaperSheet.Status.REFUSED
    assert PaperSheet.objects.get().first_voter == ""
    assert Ballot.objects.count() == 2
    assert [r["channel"] for r in refusals()] == ["code", "paper"]
    # and a second online attempt is refused and logged too
    with pytest.raises(Conflict):
        services.ballot_cast(user=u["resident"], envelope=env, choices=pick)
    assert [r["channel"] for r in refusals()] == ["code", "paper", "online"]


def test_eligibility_command(budget: dict[str, Any], tmp_path: Any) -> None:
    from django.core.management import CommandError, call_command

    path = tmp_path / "list.csv"
    path.write_text("identifier,district\nA-1,n1\nB-2,\n", encoding="utf-8")
    call_command("budget", "eligibility", "pb-2027", str(path))
    assert EligibleVoter.objects.filter(process=budget["process"]).count() == 2
    path.write_text("C-3,nowhere\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Unknown districts"):
        call_command("budget", "eligibility", "pb-2027", str(path))
