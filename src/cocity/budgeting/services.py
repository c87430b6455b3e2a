"""Writes of participatory budgeting. Every public change records an audit entry; the rules and
budgets of a process are frozen once voting opens.

Ballots are not written to the audit log (an entry names its actor, which would tie a person to
a ballot); the tally that publishes them is.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

import cocity
from cocity.budgeting import selectors
from cocity.budgeting.models import (
    Ballot,
    Envelope,
    Idea,
    Phase,
    Process,
    Result,
    VoterMark,
)
from cocity.compute.pb import allocation, canonical
from cocity.compute.pb.ballot import check_ballot
from cocity.compute.pb.election import PBError
from cocity.compute.pb.explain import explain_project
from cocity.compute.pb.tally import tally
from cocity.compute.pb.tiebreak import TieBreak
from cocity.core.errors import Conflict, DomainError, NotAllowed, full_clean
from cocity.core.models import Area, User
from cocity.core.services import audit_record, names_clean, notification_send
from cocity.needs.models import Report

ENGINE_VERSION = f"cocity.compute.pb {cocity.__version__}"

#: Fields that decide the outcome: frozen once voting opens.
FROZEN_FIELDS = (
    "ballot_kind",
    "max_choices",
    "points",
    "rule",
    "tie_break",
    "tie_break_seed",
    "voting_opens_at",
)
PROCESS_FIELDS = (
    "title",
    "titles",
    "description",
    "descriptions",
    "ideas_opens_at",
    "review_opens_at",
    "support_opens_at",
    "voting_opens_at",
    "voting_closes_at",
    "results_at",
    "implementation_at",
    *FROZEN_FIELDS[:-1],
)
#: Slugs the URLs use for pages of their own.
RESERVED_PROCESS_SLUGS = frozenset({"new", "receipt"})
RESERVED_ENVELOPE_SLUGS = frozenset(
    {"edit", "manage", "phase", "envelopes", "split", "tally", "ideas"}
)
IDEA_ACCEPTED = gettext_noop(
    "Your idea “%(title)s” is on the ballot, with an estimated cost of %(cost)s."
)
IDEA_REJECTED = gettext_noop("Your idea “%(title)s” is not on the ballot: %(reasons)s")
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _require_manager(actor: User | None) -> None:
    if actor is not None and not actor.has_perm("budgeting.manage"):
        raise NotAllowed()


def _current(process_id: int) -> Process:
    """The process as stored now (the caller's copy may predate a phase change)."""
    return Process.objects.get(pk=process_id)


def _ensure_not_frozen(process: Process) -> None:
    if _current(process.pk).voting_has_opened():
        raise Conflict(
            _("Voting has opened: the rules and budgets of this process can no longer change."),
            code="process_frozen",
        )


def _texts_clean(texts: Mapping[str, str] | None, limit: int) -> dict[str, str]:
    """A text in the city's other languages: empty ones dropped, languages of
    ``COCITY_LANGUAGES`` only, at most ``limit`` characters each."""
    if not texts:
        return {}
    short = {k: v for k, v in texts.items() if str(v or "").strip()}
    if limit <= 120:
        return names_clean(short)
    languages = dict(settings.LANGUAGES)
    for language, text in short.items():
        if language not in languages or len(str(text)) > limit:
            message = _(
                "A text in another language needs a known language and at most %(n)d characters."
            ) % {"n": limit}
            raise DomainError(message, code="invalid", fields={"descriptions": [message]})
    return {k: str(v).strip() for k, v in short.items()}


# --- processes --------------------------------------------------------------------------------


@transaction.atomic
def process_create(*, actor: User | None, slug: str, title: str, **fields: Any) -> Process:
    """A new process (officials and admins; ``actor=None`` is the system, e.g. the demo)."""
    _require_manager(actor)
    unknown = set(fields) - set(PROCESS_FIELDS)
    if unknown:
        raise TypeError(f"unknown process fields: {sorted(unknown)}")
    if slug in RESERVED_PROCESS_SLUGS:
        message = _("This short name is reserved; choose another.")
        raise DomainError(message, code="invalid", fields={"slug": [message]})
    fields["titles"] = _texts_clean(fields.get("titles"), 120)
    fields["descriptions"] = _texts_clean(fields.get("descriptions"), 4000)
    process = Process(slug=slug, title=title.strip(), created_by=actor, **fields)
    full_clean(process)
    process.save()
    audit_record(
        action="budget.process_created",
        actor=actor,
        obj=process,
        data={"slug": slug, **_rules_of(process)},
    )
    return process


def _rules_of(process: Process) -> dict[str, Any]:
    return {
        "ballot_kind": process.ballot_kind,
        "max_choices": process.max_choices,
        "points": process.points,
        "rule": process.rule,
        "completion": process.completion,
        "tie_break": process.tie_break,
        "tie_break_seed": process.tie_break_seed,
    }


@transaction.atomic
def process_update(*, actor: User | None, process: Process, **fields: Any) -> Process:
    """Change a process. Once voting has opened, the rules (ballot, counting, tie-breaking) and
    the opening of voting cannot change."""
    _require_manager(actor)
    unknown = set(fields) - set(PROCESS_FIELDS)
    if unknown:
        raise TypeError(f"unknown process fields: {sorted(unknown)}")
    process = Process.objects.select_for_update().get(pk=process.pk)
    changed = [k for k, v in fields.items() if getattr(process, k) != v]
    if any(k in FROZEN_FIELDS for k in changed):
        _ensure_not_frozen(process)
    if "titles" in fields:
        fields["titles"] = _texts_clean(fields["titles"], 120)
    if "descriptions" in fields:
        fields["descriptions"] = _texts_clean(fields["descriptions"], 4000)
    for k, v in fields.items():
        setattr(process, k, v)
    full_clean(process)
    process.save()
    audit_record(
        action="budget.process_updated",
        actor=actor,
        obj=process,
        data={"changed": sorted(changed), **_rules_of(process)},
    )
    return process


@transaction.atomic
def process_set_phase(*, actor: User | None, process: Process, phase: str) -> Process:
    """An official moves the process to ``phase`` (``""``: follow the dates again)."""
    _require_manager(actor)
    if phase and phase not in Phase.values:
        raise DomainError(
            _("Unknown phase."), code="invalid", fields={"phase": [_("Unknown phase.")]}
        )
    process = Process.objects.select_for_update().get(pk=process.pk)
    was = process.phase()
    order = list(Phase.values)
    new = phase or process.phase_by_dates()
    if process.voting_has_opened() and order.index(new) < order.index(Phase.VOTING):
        raise Conflict(_("Voting has opened: the process cannot go back."), code="process_frozen")
    process.phase_override = phase
    process.save(update_fields=["phase_override"])
    audit_record(
        action="budget.phase_set",
        actor=actor,
        obj=process,
        data={"from": was, "to": process.phase(), "override": phase},
    )
    return process


# --- envelopes --------------------------------------------------------------------------------


@transaction.atomic
def envelope_create(
    *,
    actor: User | None,
    process: Process,
    slug: str,
    name: str,
    amount: int,
    area: Area | None = None,
    names: Mapping[str, str] | None = None,
) -> Envelope:
    _require_manager(actor)
    _ensure_not_frozen(process)
    if slug in RESERVED_ENVELOPE_SLUGS:
        message = _("This short name is reserved; choose another.")
        raise DomainError(message, code="invalid", fields={"slug": [message]})
    envelope = Envelope(
        process=process,
        slug=slug,
        name=name.strip(),
        names=names_clean(names or {}),
        area=area,
        amount=amount,
    )
    full_clean(envelope)
    envelope.save()
    audit_record(
        action="budget.envelope_created",
        actor=actor,
        obj=envelope,
        data={"process": process.slug, "slug": slug, "amount": amount, "area": area and area.code},
    )
    return envelope


@transaction.atomic
def envelope_set_amount(*, actor: User | None, envelope: Envelope, amount: int) -> Envelope:
    _require_manager(actor)
    _ensure_not_frozen(envelope.process)
    envelope.amount = amount
    envelope.allocation = Envelope.Allocation.MANUAL
    full_clean(envelope)
    envelope.save(update_fields=["amount", "allocation"])
    audit_record(
        action="budget.envelope_amount_set",
        actor=actor,
        obj=envelope,
        data={"amount": amount, "allocation": "manual"},
    )
    return envelope


@transaction.atomic
def envelopes_split(
    *, actor: User | None, process: Process, total: int, method: str
) -> dict[str, int]:
    """Split ``total`` over the process's district envelopes by ``population`` or ``need``
    (population × (1 + need index), see ``cocity.compute.pb.allocation``)."""
    _require_manager(actor)
    _ensure_not_frozen(process)
    if method not in (Envelope.Allocation.POPULATION, Envelope.Allocation.NEED):
        raise DomainError(_("Unknown way of splitting."), code="invalid")
    if total <= 0:
        message = _("The total must be a positive amount.")
        raise DomainError(message, code="invalid", fields={"total": [message]})
    districts = list(process.envelopes.select_related("area").filter(area__isnull=False))
    if not districts:
        raise DomainError(_("This process has no district budgets to split."), code="invalid")
    population = {e.area.code: e.area.population for e in districts if e.area}
    try:
        if method == Envelope.Allocation.POPULATION:
            weights = allocation.population_weights(population)
        else:
            reports = selectors.open_reports_by_area([e.area for e in districts if e.area])
            weights = allocation.need_weights(population, reports)
        amounts = allocation.split_by_weights(total, weights)
    except ValueError:
        raise DomainError(
            _("The districts have no population to split by."), code="invalid"
        ) from None
    for e in districts:
        e.amount = amounts[e.area.code if e.area else ""]
        e.allocation = method
        e.save(update_fields=["amount", "allocation"])
    audit_record(
        action="budget.envelopes_split",
        actor=actor,
        obj=process,
        data={"total": total, "method": method, "amounts": amounts},
    )
    return amounts


# --- ideas ------------------------------------------------------------------------------------


@transaction.atomic
def idea_submit(
    *,
    author: User,
    envelope: Envelope,
    title: str,
    body: str,
    reports: Iterable[Report] = (),
) -> Idea:
    """A resident's idea, during the ideas phase."""
    if not author.has_perm("budgeting.submit_idea"):
        raise NotAllowed()
    if _current(envelope.process_id).phase() != Phase.IDEAS:
        raise Conflict(_("Ideas are not being collected now."), code="phase_closed")
    idea = Idea(envelope=envelope, author=author, title=title.strip(), body=body.strip())
    full_clean(idea)
    idea.save()
    idea.reports.set(list(reports))
    audit_record(
        action="budget.idea_submitted",
        actor=author,
        obj=idea,
        data={"envelope": envelope.slug, "title": idea.title},
    )
    return idea


@transaction.atomic
def idea_review(
    *,
    actor: User | None,
    idea: Idea,
    accept: bool,
    cost: int | None,
    feasibility: str = "",
    reasons: str = "",
) -> Idea:
    """An official's review: accepted with a cost estimate (a project on the ballot), or
    rejected with the reasons shown publicly. Possible until voting opens."""
    _require_manager(actor)
    idea = Idea.objects.select_related("envelope__process").select_for_update().get(pk=idea.pk)
    envelope = idea.envelope
    _ensure_not_frozen(envelope.process)
    if accept:
        if not cost or cost <= 0:
            message = _("An accepted idea needs a cost estimate.")
            raise DomainError(message, code="invalid", fields={"cost": [message]})
        if cost > envelope.amount:
            message = _("The cost is more than the whole budget of this envelope.")
            raise DomainError(message, code="invalid", fields={"cost": [message]})
    elif not reasons.strip():
        message = _("Say why the idea is not feasible.")
        raise DomainError(message, code="invalid", fields={"reasons": [message]})
    idea.status = Idea.Status.ACCEPTED if accept else Idea.Status.REJECTED
    idea.cost = cost if accept else None
    idea.feasibility = feasibility.strip()
    idea.reasons = reasons.strip()
    idea.reviewed_by = actor
    idea.reviewed_at = timezone.now()
    full_clean(idea)
    idea.save()
    audit_record(
        action="budget.idea_reviewed",
        actor=actor,
        obj=idea,
        data={"status": idea.status, "cost": idea.cost, "reasons": idea.reasons},
    )
    author = idea.author
    if author is not None:
        accepted = idea.status == Idea.Status.ACCEPTED
        params = {
            "title": idea.title[:80],
            "cost": f"{idea.cost or 0:,}",
            "reasons": idea.reasons[:160],
        }
        link = reverse("budgeting:idea", kwargs={"slug": envelope.process.slug, "pk": idea.pk})
        transaction.on_commit(
            lambda: notification_send(
                recipients=[author],
                verb="budget.idea_accepted" if accepted else "budget.idea_rejected",
                text=IDEA_ACCEPTED if accepted else IDEA_REJECTED,
                params=params,
                link=link,
            )
        )
    return idea


# --- ballots ----------------------------------------------------------------------------------


def voter_hash(envelope: Envelope, user: User) -> str:
    """A keyed hash (HMAC-SHA256 with the site's secret key) of the person in this envelope:
    the same person gives the same hash, and nobody without the key can tell who it is."""
    return salted_hmac(
        "cocity.budgeting.voter", f"{envelope.pk}:{user.pk}", algorithm="sha256"
    ).hexdigest()


def new_receipt() -> str:
    """A random receipt code such as ``K7QM-2XPA-9RTD`` (31 symbols, 12 places: about 59 bits)."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


BALLOT_PROBLEMS = {
    "unknown_project": lambda p, e: _("The ballot lists a project that is not on it."),
    "bad_points": lambda p, e: _("Points must be whole numbers, not negative."),
    "empty": lambda p, e: _("Choose at least one project."),
    "too_many": lambda p, e: _("Choose at most %(n)d projects.") % {"n": p.max_choices},
    "over_budget": lambda p, e: (
        _("The projects you chose cost more than the budget of %(amount)s.")
        % {"amount": f"{e.amount:,}"}
    ),
    "too_many_points": lambda p, e: _("Give at most %(n)d points in all.") % {"n": p.points},
}


def ballot_check(*, envelope: Envelope, choices: Mapping[str, int]) -> Any:
    """Check a ballot without storing it: totals and the problems, as messages."""
    process = envelope.process
    costs = {str(i.pk): int(i.cost or 0) for i in selectors.projects(envelope)}
    check = check_ballot(
        process.ballot_kind,
        choices,
        costs,
        budget=envelope.amount,
        max_choices=process.max_choices,
        points=process.points,
    )
    check.messages = [
        str(BALLOT_PROBLEMS[c](process, envelope)) for c in dict.fromkeys(check.problems)
    ]
    return check


def _may_vote_in(user: User, envelope: Envelope) -> bool:
    home = user.home_area
    if envelope.area_id is None or home is None:
        return True
    return home.pk == envelope.area_id or home.parent_id == envelope.area_id


@transaction.atomic
def ballot_cast(*, user: User, envelope: Envelope, choices: Mapping[str, int]) -> Ballot:
    """Cast ``user``'s ballot in ``envelope`` during voting: one per person per envelope (the
    database refuses a second ``VoterMark``). Returns the ballot; its ``receipt`` is the voter's."""
    if not user.has_perm("budgeting.vote"):
        raise NotAllowed()
    process = _current(envelope.process_id)
    if process.phase() != Phase.VOTING:
        raise Conflict(_("Voting is not open."), code="phase_closed")
    if not _may_vote_in(user, envelope):
        raise NotAllowed(_("This budget is for the residents of its district."))
    check = ballot_check(envelope=envelope, choices=choices)
    if not check.ok:
        raise DomainError(
            " ".join(check.messages), code="invalid_ballot", fields={"ballot": check.messages}
        )
    clean = {pid: int(v) for pid, v in choices.items() if int(v) > 0}
    try:
        with transaction.atomic():
            VoterMark.objects.create(envelope=envelope, voter_hash=voter_hash(envelope, user))
    except IntegrityError:
        raise Conflict(_("You have already voted in this budget."), code="already_voted") from None
    ballot = Ballot(envelope=envelope, choices=clean, receipt=new_receipt())
    ballot.save(force_insert=True)
    return ballot


# --- tally ------------------------------------------------------------------------------------


@transaction.atomic
def envelope_tally(*, actor: User | None, envelope: Envelope) -> Result:
    """Count the envelope's ballots with the published rule and store the result."""
    _require_manager(actor)
    envelope = Envelope.objects.select_related("process").select_for_update().get(pk=envelope.pk)
    process = envelope.process
    order = list(Phase.values)
    if order.index(process.phase()) < order.index(Phase.TALLY):
        raise Conflict(_("Voting has not closed yet."), code="phase_not_reached")
    election = selectors.envelope_election(envelope)
    if not election.projects:
        raise Conflict(_("There are no projects on this ballot."), code="no_projects")
    tb = TieBreak(process.tie_break, seed=process.tie_break_seed)
    try:
        out = tally(election, process.rule, completion=process.completion, tie_break=tb)
        greedy = tally(election, "greedy", tie_break=tb)
    except PBError as exc:
        raise Conflict(str(exc), code="tally_failed") from exc
    winners = out.winner_ids(election)
    explanations: dict[str, Any] = {}
    if process.rule == "mes" and election.num_voters:
        for p in election.projects:
            if p.id not in winners:
                explanations[p.id] = explain_project(
                    election, p.id, tie_break=process.tie_break
                ).as_dict()
    votes = election.approval_counts()
    points = election.point_totals()
    options = {
        "completion": process.completion,
        "tie_break": process.tie_break,
        "seed": process.tie_break_seed,
        "use_points": True,
        "exact": True,
    }
    digest = canonical.result_sha256(
        canonical.canonical_result(
            election,
            winners,
            rule=process.rule,
            completion=process.completion,
            tie_break=process.tie_break,
            seed=process.tie_break_seed,
            use_points=True,
        )
    )
    result, _created = Result.objects.update_or_create(
        envelope=envelope,
        defaults={
            "rule": process.rule,
            "options": options,
            "engine_version": ENGINE_VERSION,
            "winners": winners,
            "greedy_winners": greedy.winner_ids(election),
            "votes": {p.id: int(v) for p, v in zip(election.projects, votes, strict=True)},
            "points": {p.id: int(v) for p, v in zip(election.projects, points, strict=True)},
            "explanations": explanations,
            "spent": int(out.spent(election)),
            "n_ballots": election.num_voters,
            "result_sha256": digest,
            "computed_at": timezone.now(),
        },
    )
    audit_record(
        action="budget.tallied",
        actor=actor,
        obj=envelope,
        data={
            "process": process.slug,
            "envelope": envelope.slug,
            "ballots": election.num_voters,
            "winners": winners,
            "result_sha256": digest,
        },
    )
    return result


@transaction.atomic
def process_tally(*, actor: User | None, process: Process) -> list[Result]:
    """Count every envelope that has projects on its ballot (all or none are stored)."""
    with_projects = process.envelopes.filter(ideas__status=Idea.Status.ACCEPTED).distinct()
    if not with_projects.exists():
        raise Conflict(_("There are no projects on this ballot."), code="no_projects")
    return [envelope_tally(actor=actor, envelope=e) for e in with_projects.order_by("slug")]
