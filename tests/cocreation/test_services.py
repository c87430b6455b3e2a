from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from cocity.cocreation import selectors, services
from cocity.cocreation.models import (
    Challenge,
    Comment,
    Endorsement,
    GateDecision,
    Indicator,
    Initiative,
    Measurement,
    Proposal,
    ProposalVersion,
    Stage,
)
from cocity.core.errors import Conflict, DomainError, NotAllowed
from cocity.core.models import AuditEntry, Notification

pytestmark = pytest.mark.django_db


def _propose(challenge: Challenge, user: Any, title: str = "Solar lamps on every street") -> Any:
    return services.proposal_submit(
        author=user, challenge=challenge, title=title, body="Install solar lamps, one every 25 m."
    )


def _initiative_in_pilot(needs: dict[str, Any], challenge: Challenge) -> Initiative:
    official = needs["users"]["official"]
    proposal = _propose(challenge, needs["users"]["resident"])
    initiative = services.initiative_create(proposal=proposal, actor=official)
    services.gate_decide(
        initiative=initiative, actor=official, to_stage="codesign", criteria="c", note="n"
    )
    services.indicator_add(
        initiative=initiative,
        actor=official,
        name="Lamps working",
        unit="%",
        baseline="40",
        target="95",
        target_date=date(2027, 6, 1),
    )
    services.gate_decide(
        initiative=initiative, actor=official, to_stage="pilot", criteria="c", note="n"
    )
    initiative.refresh_from_db()
    return initiative


# --- challenges -------------------------------------------------------------------------------


def test_an_organisation_member_frames_a_challenge_from_reports(
    challenge: Challenge, reports: list[Any], needs: dict[str, Any]
) -> None:
    assert set(challenge.reports.all()) == set(reports)
    assert [a.code for a in challenge.areas.all()] == ["n1"]  # from the reports' district
    assert challenge.organisation == needs["organisation"]
    assert selectors.is_challenge_follower(
        challenge=challenge, user=needs["users"]["organisation_member"]
    )
    entry = AuditEntry.objects.get(action="cocreation.challenge_created")
    assert entry.data["reports"] == sorted(r.pk for r in reports)


@pytest.mark.parametrize("role", ["resident", "moderator"])
def test_residents_and_moderators_cannot_frame_challenges(
    role: str, needs: dict[str, Any], reports: list[Any]
) -> None:
    with pytest.raises(NotAllowed):
        services.challenge_create(
            actor=needs["users"][role], title="T", statement="S", reports=reports
        )
    assert not Challenge.objects.exists()


def test_a_challenge_needs_reports_and_a_title(needs: dict[str, Any], reports: list[Any]) -> None:
    official = needs["users"]["official"]
    with pytest.raises(DomainError) as err:
        services.challenge_create(actor=official, title="T", statement="S", reports=[])
    assert err.value.code == "no_reports"
    with pytest.raises(DomainError) as err:
        services.challenge_create(actor=official, title=" ", statement="S", reports=reports)
    assert "title" in err.value.fields
    assert not Challenge.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="cocreation").exists()


def test_an_official_cannot_lead_for_an_organisation_they_are_not_in(
    needs: dict[str, Any], reports: list[Any]
) -> None:
    with pytest.raises(NotAllowed):
        services.challenge_create(
            actor=needs["users"]["official"],
            title="T",
            statement="S",
            reports=reports,
            organisation=needs["organisation"],
        )
    assert not Challenge.objects.exists()


# --- proposals --------------------------------------------------------------------------------


def test_a_proposal_starts_at_version_one_and_followers_hear_of_it(
    challenge: Challenge, needs: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        proposal = _propose(challenge, needs["users"]["resident"])
    assert proposal.version == 1
    assert list(proposal.versions.values_list("number", "title")) == [(1, proposal.title)]
    note = Notification.objects.get(recipient=needs["users"]["organisation_member"])
    assert note.verb == "cocreation.proposal_submitted"
    assert proposal.title in note.message
    # the author follows the challenge from now on, and is not told of their own proposal
    assert selectors.is_challenge_follower(challenge=challenge, user=needs["users"]["resident"])
    assert not Notification.objects.filter(recipient=needs["users"]["resident"]).exists()


def test_an_empty_proposal_changes_nothing(challenge: Challenge, needs: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as err:
        services.proposal_submit(
            author=needs["users"]["resident"], challenge=challenge, title="Idea", body=""
        )
    assert "body" in err.value.fields
    assert not Proposal.objects.exists()
    assert not ProposalVersion.objects.exists()


def test_coauthors_edit_and_each_edit_is_a_version(
    challenge: Challenge, needs: dict[str, Any]
) -> None:
    users = needs["users"]
    proposal = _propose(challenge, users["resident"])
    with pytest.raises(NotAllowed):  # not yet a co-author
        services.proposal_edit(proposal=proposal, editor=users["moderator"], title="X", body="Y")
    services.proposal_invite_coauthor(proposal=proposal, actor=users["resident"], who="Moderator")
    version = services.proposal_edit(
        proposal=proposal,
        editor=users["moderator"],
        title=proposal.title,
        body="Install solar lamps, one every 20 m, and fix the old ones.",
        note="closer lamps",
    )
    proposal.refresh_from_db()
    assert version.number == proposal.version == 2
    assert version.editor == users["moderator"]
    assert "20 m" in proposal.body
    assert list(selectors.proposal_versions(proposal).values_list("number", flat=True)) == [1, 2]


def test_only_the_author_invites_and_unknown_people_are_refused(
    challenge: Challenge, needs: dict[str, Any]
) -> None:
    users = needs["users"]
    proposal = _propose(challenge, users["resident"])
    with pytest.raises(NotAllowed):
        services.proposal_invite_coauthor(proposal=proposal, actor=users["official"], who="Admin")
    with pytest.raises(DomainError) as err:
        services.proposal_invite_coauthor(
            proposal=proposal, actor=users["resident"], who="nobody@example.org"
        )
    assert err.value.code == "unknown_person"
    services.proposal_invite_coauthor(
        proposal=proposal, actor=users["resident"], who="official@example.org"
    )
    with pytest.raises(Conflict):
        services.proposal_invite_coauthor(
            proposal=proposal, actor=users["resident"], who="official@example.org"
        )
    assert list(proposal.coauthors.all()) == [users["official"]]


def test_an_unchanged_edit_is_refused(challenge: Challenge, needs: dict[str, Any]) -> None:
    proposal = _propose(challenge, needs["users"]["resident"])
    with pytest.raises(DomainError) as err:
        services.proposal_edit(
            proposal=proposal,
            editor=needs["users"]["resident"],
            title=proposal.title,
            body=proposal.body,
        )
    assert err.value.code == "unchanged"
    assert proposal.versions.count() == 1


def test_endorsements_by_people_and_by_organisations_count_once(
    challenge: Challenge, needs: dict[str, Any]
) -> None:
    users = needs["users"]
    proposal = _propose(challenge, users["resident"])
    member = users["organisation_member"]
    assert services.proposal_endorse(proposal=proposal, user=member)
    assert not services.proposal_endorse(proposal=proposal, user=member)
    assert services.proposal_endorse(
        proposal=proposal, user=member, organisation=needs["organisation"]
    )
    with pytest.raises(NotAllowed):
        services.proposal_endorse(
            proposal=proposal, user=users["resident"], organisation=needs["organisation"]
        )
    got = selectors.proposal_endorsements(proposal)
    assert got == {"people": [member], "organisations": [needs["organisation"]]}
    assert Endorsement.objects.count() == 2


def test_similar_ideas_are_found_among_the_challenge_s_proposals(
    challenge: Challenge, needs: dict[str, Any]
) -> None:
    first = _propose(challenge, needs["users"]["resident"], "Solar lamps on every street")
    _propose(challenge, needs["users"]["resident"], "A night bus")
    found = selectors.similar_proposals(
        challenge=challenge, title="Solar street lamps", body="Lamps on every street"
    )
    assert [p for p, _ in found] == [first]


# --- comments ---------------------------------------------------------------------------------


def test_residents_comments_wait_for_moderation_and_threads_nest(
    challenge: Challenge, needs: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    users = needs["users"]
    proposal = _propose(challenge, users["resident"])
    top = services.comment_add(proposal=proposal, author=users["official"], body="Which streets?")
    assert top.status == Comment.Status.ACCEPTED
    reply = services.comment_add(
        proposal=proposal, author=users["resident"], body="Calle Mayor first.", parent=top
    )
    assert reply.status == Comment.Status.PENDING
    # the public sees only the accepted one; the author also their own waiting reply
    assert [t.comment for t in selectors.comment_threads(proposal)] == [top]
    mine = selectors.comment_threads(proposal, viewer=users["resident"])
    assert [r.comment for r in mine[0].replies] == [reply]
    services.comment_moderate(comment=reply, actor=users["moderator"], status="accepted")
    assert [r.comment for r in selectors.comment_threads(proposal)[0].replies] == [reply]
    spam = services.comment_add(proposal=proposal, author=users["resident"], body="Buy now")
    with pytest.raises(DomainError) as err:
        services.comment_moderate(comment=spam, actor=users["moderator"], status="rejected")
    assert err.value.code == "reason_required"
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_moderate(
            comment=spam, actor=users["moderator"], status="rejected", reason="Advertising"
        )
    assert "Advertising" in Notification.objects.get(verb="cocreation.comment_rejected").message


def test_only_moderators_moderate_and_replies_need_a_published_comment(
    challenge: Challenge, needs: dict[str, Any]
) -> None:
    users = needs["users"]
    proposal = _propose(challenge, users["resident"])
    waiting = services.comment_add(proposal=proposal, author=users["resident"], body="Hmm")
    with pytest.raises(NotAllowed):
        services.comment_moderate(comment=waiting, actor=users["official"], status="accepted")
    with pytest.raises(DomainError):
        services.comment_add(proposal=proposal, author=users["resident"], body="x", parent=waiting)
    with pytest.raises(DomainError):
        services.comment_add(proposal=proposal, author=users["resident"], body="   ")
    assert Comment.objects.count() == 1


# --- initiatives ------------------------------------------------------------------------------


def test_the_pipeline_moves_only_through_its_gates(
    challenge: Challenge, needs: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    official = needs["users"]["official"]
    proposal = _propose(challenge, needs["users"]["resident"])
    with pytest.raises(NotAllowed):
        services.initiative_create(proposal=proposal, actor=needs["users"]["organisation_member"])
    initiative = services.initiative_create(proposal=proposal, actor=official)
    with pytest.raises(Conflict):
        services.initiative_create(proposal=proposal, actor=official)
    with pytest.raises(DomainError) as err:  # idea → pilot skips co-design
        services.gate_decide(
            initiative=initiative, actor=official, to_stage="pilot", criteria="c", note="n"
        )
    assert err.value.code == "bad_gate"
    services.gate_decide(
        initiative=initiative, actor=official, to_stage="codesign", criteria="c", note="n"
    )
    with pytest.raises(DomainError) as err:  # no goals yet
        services.gate_decide(
            initiative=initiative, actor=official, to_stage="pilot", criteria="c", note="n"
        )
    assert err.value.code == "no_indicators"
    with pytest.raises(DomainError) as err:  # not before the initiative existed
        services.gate_decide(
            initiative=initiative,
            actor=official,
            to_stage="retire",
            criteria="c",
            note="n",
            decided_on=timezone.localdate() - timedelta(days=1),
        )
    assert err.value.code == "bad_date"
    with pytest.raises(DomainError) as err:  # a decision needs its note
        services.gate_decide(
            initiative=initiative, actor=official, to_stage="retire", criteria="c", note=""
        )
    initiative.refresh_from_db()
    assert initiative.stage == Stage.CODESIGN
    assert GateDecision.objects.count() == 1
    services.indicator_add(
        initiative=initiative,
        actor=official,
        name="Lamps working",
        unit="%",
        baseline="40",
        target="95",
        target_date=date(2027, 6, 1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.gate_decide(
            initiative=initiative,
            actor=official,
            to_stage="pilot",
            criteria="Budget found; residents agree in the workshop",
            note="Pilot on three streets.",
        )
    assert decision.from_stage == "codesign"
    assert decision.decided_on == timezone.localdate()
    note = Notification.objects.filter(
        recipient=needs["users"]["resident"], verb="cocreation.gate_decided"
    ).get()
    assert "Pilot" in note.message


def test_goals_are_fixed_once_the_pilot_starts(challenge: Challenge, needs: dict[str, Any]) -> None:
    initiative = _initiative_in_pilot(needs, challenge)
    with pytest.raises(Conflict) as err:
        services.indicator_add(
            initiative=initiative,
            actor=needs["users"]["official"],
            name="Late",
            unit="n",
            baseline=0,
            target=1,
            target_date=date(2027, 1, 1),
        )
    assert err.value.code == "goals_fixed"
    assert initiative.indicators.count() == 1


def test_an_indicator_needs_numbers(challenge: Challenge, needs: dict[str, Any]) -> None:
    official = needs["users"]["official"]
    initiative = services.initiative_create(
        proposal=_propose(challenge, needs["users"]["resident"]), actor=official
    )
    with pytest.raises(DomainError) as err:
        services.indicator_add(
            initiative=initiative,
            actor=official,
            name="X",
            unit="n",
            baseline="many",
            target="1",
            target_date=date(2027, 1, 1),
        )
    assert "baseline" in err.value.fields
    with pytest.raises(DomainError):  # a report count names its category
        services.indicator_add(
            initiative=initiative,
            actor=official,
            name="X",
            unit="n",
            baseline="1",
            target="0",
            target_date=date(2027, 1, 1),
            source="reports",
        )
    assert not Indicator.objects.exists()


def test_measurements_one_a_day_never_in_the_future(
    challenge: Challenge, needs: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    official = needs["users"]["official"]
    initiative = _initiative_in_pilot(needs, challenge)
    indicator = initiative.indicators.get()
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        services.measurement_record(
            indicator=indicator, actor=official, measured_on=today, value="55.5"
        )
    with pytest.raises(Conflict):
        services.measurement_record(indicator=indicator, actor=official, measured_on=today, value=1)
    with pytest.raises(DomainError):
        services.measurement_record(
            indicator=indicator, actor=official, measured_on=today + timedelta(days=1), value=1
        )
    with pytest.raises(NotAllowed):
        services.measurement_record(
            indicator=indicator,
            actor=needs["users"]["resident"],
            measured_on=today - timedelta(days=1),
            value=1,
        )
    assert selectors.indicator_series(indicator) == [(today, Decimal("55.500"))]
    note = Notification.objects.get(
        recipient=needs["users"]["organisation_member"], verb="cocreation.measurement_recorded"
    )
    assert "55.5 %" in note.message


def test_a_report_count_indicator_counts_the_challenge_s_reports(
    challenge: Challenge, needs: dict[str, Any], reports: list[Any]
) -> None:
    official = needs["users"]["official"]
    initiative = services.initiative_create(
        proposal=_propose(challenge, needs["users"]["resident"]), actor=official
    )
    indicator = services.indicator_add(
        initiative=initiative,
        actor=official,
        name="Reports of broken lamps",
        unit="reports",
        baseline=3,
        target=0,
        target_date=date(2027, 1, 1),
        source="reports",
        category=needs["categories"]["pothole"],
    )
    m = services.measurement_record(
        indicator=indicator, actor=official, measured_on=timezone.localdate()
    )
    assert m.value == len(reports) == 3


def test_milestones_give_progress_and_the_timeline_tells_every_step(
    challenge: Challenge, needs: dict[str, Any], reports: list[Any]
) -> None:
    official = needs["users"]["official"]
    initiative = _initiative_in_pilot(needs, challenge)
    first = services.milestone_add(initiative=initiative, actor=official, title="Order", weight=1)
    services.milestone_add(initiative=initiative, actor=official, title="Install", weight=3)
    services.milestone_complete(milestone=first, actor=official)
    with pytest.raises(Conflict):
        services.milestone_complete(milestone=first, actor=official)
    services.measurement_record(
        indicator=initiative.indicators.get(),
        actor=official,
        measured_on=timezone.localdate(),
        value=60,
    )
    initiative = selectors.initiative_get(initiative.pk)
    assert selectors.initiative_progress(initiative) == Decimal("25.0")
    kinds = [e.kind for e in selectors.initiative_timeline(initiative)]
    assert kinds[:3] == ["report"] * 3
    for kind in ("challenge", "proposal", "initiative", "decision", "milestone", "measurement"):
        assert kind in kinds
    assert kinds.index("challenge") < kinds.index("proposal") < kinds.index("initiative")
    assert Measurement.objects.count() == 1


def test_the_personal_data_export_holds_proposals_and_comments(
    challenge: Challenge, needs: dict[str, Any]
) -> None:
    from cocity.core.services import personal_data_export

    resident = needs["users"]["resident"]
    proposal = _propose(challenge, resident)
    services.comment_add(proposal=proposal, author=resident, body="My own note")
    data = personal_data_export(user=resident)["cocreation"]
    assert [p["title"] for p in data["proposals"]] == [proposal.title]
    assert [c["body"] for c in data["comments"]] == ["My own note"]
    assert data["challenges_followed"] == [challenge.pk]


def test_the_audit_log_tells_co_creation_in_words(
    challenge: Challenge, needs: dict[str, Any]
) -> None:
    from django.utils import translation

    from cocity.core.audit_text import audit_sentence

    _propose(challenge, needs["users"]["resident"])
    entry = AuditEntry.objects.get(action="cocreation.proposal_submitted")
    sentence = audit_sentence(entry.action, entry.object_id, entry.data)
    assert sentence == f"Proposal #{entry.object_id} answered challenge #{challenge.pk}."
    with translation.override("es"):
        assert audit_sentence(entry.action, entry.object_id, entry.data).startswith("La propuesta")
