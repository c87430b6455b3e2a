"""Writes of participatory budgeting. Every public change records an audit entry; the rules and
budgets of a process are frozen once voting opens.

Ballots are not written to the audit log (an entry names its actor, which would tie a person to
a ballot); the tally that publishes them is.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

import cocity
from cocity.budgeting import selectors, sms
from cocity.budgeting.models import (
    Ballot,
    BoothHelper,
    EligibleVoter,
    Envelope,
    Idea,
    ImplementationProject,
    MergeConsent,
    MergeProposal,
    PaperSheet,
    Phase,
    PhoneCheck,
    Process,
    Result,
    Support,
    VoterMark,
    VotingCode,
)
from cocity.budgeting.money import format_money
from cocity.compute.pb import allocation, canonical
from cocity.compute.pb.ballot import check_ballot
from cocity.compute.pb.election import PBError
from cocity.compute.pb.explain import ejr_violations, explain_project
from cocity.compute.pb.tally import tally
from cocity.compute.pb.tiebreak import TieBreak
from cocity.core.errors import Conflict, DomainError, NotAllowed, full_clean
from cocity.core.models import Area, Role, User
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
    "require_eligibility",
    "sms_verification",
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
    "shortlist_size",
    "support_threshold",
    *FROZEN_FIELDS[:-1],
)
#: Slugs the URLs use for pages of their own.
RESERVED_PROCESS_SLUGS = frozenset({"new", "receipt"})
RESERVED_ENVELOPE_SLUGS = frozenset(
    {
        "edit",
        "manage",
        "phase",
        "envelopes",
        "split",
        "tally",
        "ideas",
        "eligibility",
        "phone",
        "booth-helpers",
        "merges",
        "shortlist",
    }
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
        "require_eligibility": process.require_eligibility,
        "sms_verification": process.sms_verification,
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
    if idea.status in (Idea.Status.MERGED, Idea.Status.NOT_SHORTLISTED):
        raise Conflict(
            _("This idea was merged or left the ballot in the support round."), code="closed"
        )
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
            "cost": format_money(idea.cost or 0),
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
        % {"amount": format_money(e.amount)}
    ),
    "too_many_points": lambda p, e: _("Give at most %(n)d points in all.") % {"n": p.points},
}


def ballot_check(*, envelope: Envelope, choices: Mapping[str, int]) -> Any:
    """Check a ballot without storing it: totals and the problems, as messages."""
    process = envelope.process
    costs = {
        str(pk): int(cost or 0)
        for pk, cost in Idea.objects.filter(
            envelope=envelope, status=Idea.Status.ACCEPTED
        ).values_list("pk", "cost")
    }
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


def _area_fits(area: Area | None, envelope: Envelope) -> bool:
    if envelope.area_id is None or area is None:
        return True
    return area.pk == envelope.area_id or area.parent_id == envelope.area_id


# --- eligibility ------------------------------------------------------------------------------


def normalise_identifier(raw: str) -> str:
    """An identifier as compared: upper case, without spaces, dots, dashes or slashes."""
    return "".join(ch for ch in str(raw).upper() if ch.isalnum())


def identifier_hash(process: Process, raw: str) -> str:
    """A keyed hash (HMAC-SHA256 with the site's secret key) of a normalised identifier."""
    return salted_hmac(
        "cocity.budgeting.eligibility",
        f"{process.pk}:{normalise_identifier(raw)}",
        algorithm="sha256",
    ).hexdigest()


def _mark_hash(envelope: Envelope, key: str) -> str:
    return salted_hmac(
        "cocity.budgeting.voter", f"{envelope.pk}:{key}", algorithm="sha256"
    ).hexdigest()


@transaction.atomic
def eligibility_import(
    *, actor: User | None, process: Process, rows: Iterable[tuple[str, str]]
) -> dict[str, int]:
    """Add ``(identifier, district code)`` rows to the process's eligibility list (the district
    may be empty). Only keyed hashes are stored; an identifier already listed keeps its first
    district. Returns the counts ``added``, ``known`` and ``unknown_district``; a row with an
    unknown district code refuses the whole import."""
    _require_manager(actor)
    areas = {a.code: a for a in Area.objects.all()}
    seen = set(EligibleVoter.objects.filter(process=process).values_list("id_hash", flat=True))
    new: list[EligibleVoter] = []
    known = 0
    bad: list[str] = []
    for line, (ident, district) in enumerate(rows, start=1):
        if not normalise_identifier(ident):
            continue
        code = str(district or "").strip()
        if code and code not in areas:
            bad.append(f"{line}: {code}")
            continue
        h = identifier_hash(process, ident)
        if h in seen:
            known += 1
            continue
        seen.add(h)
        new.append(EligibleVoter(process=process, id_hash=h, area=areas.get(code)))
    if bad:
        message = _("Unknown districts on these lines: %(lines)s") % {"lines": ", ".join(bad[:10])}
        raise DomainError(message, code="invalid", fields={"file": [message]})
    EligibleVoter.objects.bulk_create(new, batch_size=2000)
    counts = {"added": len(new), "known": known}
    audit_record(action="budget.eligibility_imported", actor=actor, obj=process, data=counts)
    return counts


def eligibility_rows(text: str) -> list[tuple[str, str]]:
    """Rows of an eligibility CSV: an identifier and, optionally, a district code per line; a
    first line whose first cell is ``identifier`` is a header."""
    import csv
    import io

    rows: list[tuple[str, str]] = []
    for cells in csv.reader(io.StringIO(text)):
        if not cells or not cells[0].strip():
            continue
        if not rows and cells[0].strip().lower() in ("identifier", "id", "identificador"):
            continue
        rows.append((cells[0], cells[1] if len(cells) > 1 else ""))
    return rows


def _eligible(process: Process, identifier: str) -> EligibleVoter:
    h = identifier_hash(process, identifier)
    found = EligibleVoter.objects.select_related("area").filter(process=process, id_hash=h).first()
    if found is None:
        message = _("This identifier is not on the list of people who may vote.")
        raise NotAllowed(message, code="not_eligible")
    return found


@transaction.atomic
def eligibility_claim(*, user: User, process: Process, identifier: str) -> EligibleVoter:
    """A signed-in resident gives their identifier once; it must be on the list and not given
    by another account."""
    row = _eligible(process, identifier)
    row = EligibleVoter.objects.select_for_update().get(pk=row.pk)
    if row.user_id == user.pk:
        return row
    if row.user_id is not None or EligibleVoter.objects.filter(process=process, user=user).exists():
        raise Conflict(
            _("This identifier, or your account, is already linked to another."),
            code="already_claimed",
        )
    row.user = user
    row.save(update_fields=["user"])
    return row


def eligibility_of(user: User, process: Process) -> EligibleVoter | None:
    return EligibleVoter.objects.select_related("area").filter(process=process, user=user).first()


# --- ballots: every channel -------------------------------------------------------------------

CHANNEL_RULE = gettext_noop(
    "One ballot per person per budget, whatever the channel (online, voting code, paper or "
    "assisted at a booth): the first ballot recorded counts; a later one from the same person is "
    "refused and the refusal is logged."
)


def _refuse(envelope: Envelope, channel: str, actor: User | None = None) -> Conflict:
    """Log a refused second ballot (outside the refused transaction) and return the error."""
    audit_record(
        action="budget.ballot_refused",
        actor=actor,
        obj=envelope,
        data={"channel": channel, "reason": "already_voted"},
    )
    return Conflict(_("You have already voted in this budget."), code="already_voted")


def _checked(envelope: Envelope, choices: Mapping[str, int]) -> dict[str, int]:
    check = ballot_check(envelope=envelope, choices=choices)
    if not check.ok:
        raise DomainError(
            " ".join(check.messages), code="invalid_ballot", fields={"ballot": check.messages}
        )
    return {pid: int(v) for pid, v in choices.items() if int(v) > 0}


def _voting_open(envelope: Envelope) -> Process:
    process = _current(envelope.process_id)
    if process.phase() != Phase.VOTING:
        raise Conflict(_("Voting is not open."), code="phase_closed")
    return process


class _AlreadyVotedError(Exception):
    pass


def _store(envelope: Envelope, clean: dict[str, int], channel: str, mark: str) -> Ballot:
    """The VoterMark and the ballot, inside the caller's transaction."""
    try:
        with transaction.atomic():
            VoterMark.objects.create(envelope=envelope, voter_hash=mark)
    except IntegrityError:
        raise _AlreadyVotedError from None
    ballot = Ballot(envelope=envelope, choices=clean, receipt=new_receipt(), channel=channel)
    ballot.save(force_insert=True)
    return ballot


def _eligible_for(process: Process, envelope: Envelope, row: EligibleVoter | None) -> str | None:
    """The VoterMark key of a listed person, checking their district; ``None`` if not listed
    and the process does not require it."""
    if row is None:
        if process.require_eligibility:
            raise NotAllowed(
                _("Give your identifier first: this vote is for the people on a list."),
                code="not_eligible",
            )
        return None
    if not _area_fits(row.area, envelope):
        raise NotAllowed(_("This budget is for the residents of its district."))
    return f"id:{row.id_hash}"


def ballot_cast(*, user: User, envelope: Envelope, choices: Mapping[str, int]) -> Ballot:
    """Cast ``user``'s ballot in ``envelope`` during voting: one per person per envelope (the
    database refuses a second ``VoterMark``). Returns the ballot; its ``receipt`` is the voter's."""
    try:
        with transaction.atomic():
            if not user.has_perm("budgeting.vote"):
                raise NotAllowed()
            process = _voting_open(envelope)
            if not _may_vote_in(user, envelope):
                raise NotAllowed(_("This budget is for the residents of its district."))
            key = _eligible_for(process, envelope, eligibility_of(user, process))
            if process.sms_verification:
                phone = phone_verified(user, process)
                if phone is None:
                    raise NotAllowed(
                        _("Confirm your mobile number first."), code="phone_unconfirmed"
                    )
                key = key or f"phone:{phone}"
            clean = _checked(envelope, choices)
            mark = _mark_hash(envelope, key) if key else voter_hash(envelope, user)
            return _store(envelope, clean, "online", mark)
    except _AlreadyVotedError:
        raise _refuse(envelope, "online") from None


# --- one-time voting codes --------------------------------------------------------------------

CODE_ALPHABET = RECEIPT_ALPHABET
MAX_CODES = 20000


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in str(raw).upper() if ch.isalnum())


def code_hash(raw: str) -> str:
    return salted_hmac("cocity.budgeting.code", normalise_code(raw), algorithm="sha256").hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@transaction.atomic
def codes_generate(*, actor: User | None, envelope: Envelope, count: int) -> list[str]:
    """``count`` new one-time codes for ``envelope`` (16 symbols of 31: about 79 bits). Only
    their hashes are stored: the returned codes are the only copy, for the printed sheets."""
    _require_manager(actor)
    if not 1 <= count <= MAX_CODES:
        message = _("Generate between 1 and %(n)d codes at a time.") % {"n": MAX_CODES}
        raise DomainError(message, code="invalid", fields={"count": [message]})
    order = list(Phase.values)
    if order.index(_current(envelope.process_id).phase()) > order.index(Phase.VOTING):
        raise Conflict(_("Voting has closed."), code="phase_closed")
    batch = (envelope.codes.aggregate(m=models.Max("batch"))["m"] or 0) + 1
    codes = [_new_code() for _ in range(count)]
    VotingCode.objects.bulk_create(
        [VotingCode(envelope=envelope, code_hash=code_hash(c), batch=batch) for c in codes],
        batch_size=2000,
    )
    audit_record(
        action="budget.codes_generated",
        actor=actor,
        obj=envelope,
        data={"count": count, "batch": batch},
    )
    return codes


def _code_row(envelope: Envelope, code: str) -> VotingCode:
    """The unspent code row, locked until the transaction ends."""
    vc = (
        VotingCode.objects.select_for_update()
        .filter(code_hash=code_hash(code), envelope=envelope)
        .first()
    )
    if vc is None:
        raise NotAllowed(_("This code is not valid for this budget."), code="bad_code")
    if vc.spent_at is not None:
        raise Conflict(_("This code has already been used."), code="code_spent")
    return vc


def ballot_cast_with_code(
    *,
    envelope: Envelope,
    code: str,
    choices: Mapping[str, int],
    identifier: str = "",
) -> Ballot:
    """A voter without an account casts a ballot with a one-time code; the code is spent in
    the same transaction. If the process requires eligibility, the voter also gives their
    identifier, so a person voting online and with a code is one voter."""
    try:
        with transaction.atomic():
            process = _voting_open(envelope)
            vc = _code_row(envelope, code)
            row = _eligible(process, identifier) if identifier.strip() else None
            key = _eligible_for(process, envelope, row) or f"code:{vc.code_hash}"
            clean = _checked(envelope, choices)
            ballot = _store(envelope, clean, "code", _mark_hash(envelope, key))
            vc.spent_at = timezone.now()
            vc.save(update_fields=["spent_at"])
            return ballot
    except _AlreadyVotedError:
        raise _refuse(envelope, "code") from None


# --- SMS confirmation of a mobile number -----------------------------------------------------

PHONE_CODE_TTL = timedelta(minutes=10)
PHONE_RESEND_AFTER = timedelta(seconds=60)
PHONE_MAX_ATTEMPTS = 5
SMS_TEXT = gettext_noop("%(code)s is your code to confirm your number and vote in %(process)s.")


def normalise_phone(raw: str) -> str:
    """A mobile number in E.164 form (``+`` and 8 to 15 digits; ``00`` counts as ``+``)."""
    text = str(raw).strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("00"):
        digits = digits[2:]
    elif not text.startswith("+"):
        digits = ""
    if not 8 <= len(digits) <= 15:
        message = _("Give the number with its country code, e.g. +34 600 111 222.")
        raise DomainError(message, code="invalid", fields={"phone": [message]})
    return f"+{digits}"


def phone_hash(process: Process, phone: str) -> str:
    return salted_hmac(
        "cocity.budgeting.phone", f"{process.pk}:{phone}", algorithm="sha256"
    ).hexdigest()


def _phone_code_hash(check_pk: int, code: str) -> str:
    digits = "".join(ch for ch in str(code) if ch.isdigit())
    mac = salted_hmac("cocity.budgeting.sms", f"{check_pk}:{digits}", algorithm="sha256")
    return mac.hexdigest()


def phone_verified(user: User, process: Process) -> str | None:
    """The keyed hash of ``user``'s confirmed number in ``process``, if confirmed."""
    return (
        PhoneCheck.objects.filter(process=process, user=user, verified_at__isnull=False)
        .values_list("phone_hash", flat=True)
        .first()
    )


@transaction.atomic
def phone_code_send(*, user: User, process: Process, phone: str) -> PhoneCheck:
    """Send a six-digit code by SMS to confirm ``user``'s mobile number. Only keyed hashes of the
    number and the code are stored; a number confirmed by another account is refused."""
    if not user.has_perm("budgeting.vote"):
        raise NotAllowed()
    process = _current(process.pk)
    if not process.sms_verification:
        raise Conflict(_("This process does not confirm numbers by SMS."), code="no_sms")
    if process.phase() != Phase.VOTING:
        raise Conflict(_("Voting is not open."), code="phase_closed")
    number = normalise_phone(phone)
    h = phone_hash(process, number)
    if (
        PhoneCheck.objects.filter(process=process, phone_hash=h, verified_at__isnull=False)
        .exclude(user=user)
        .exists()
    ):
        raise Conflict(_("This number is already confirmed by another account."), code="taken")
    check = PhoneCheck.objects.select_for_update().filter(process=process, user=user).first()
    now = timezone.now()
    if check is not None:
        if check.verified_at is not None:
            raise Conflict(_("Your number is already confirmed."), code="already_confirmed")
        if now - check.sent_at < PHONE_RESEND_AFTER:
            raise Conflict(_("Wait a minute before asking for another code."), code="too_soon")
    else:
        check = PhoneCheck(process=process, user=user)
    code = f"{secrets.randbelow(10**6):06d}"
    check.phone_hash, check.sent_at, check.attempts, check.code_hash = h, now, 0, "-"
    check.save()
    check.code_hash = _phone_code_hash(check.pk, code)
    check.save(update_fields=["code_hash"])
    audit_record(action="budget.sms_code_sent", actor=user, obj=process, data={})
    text = _(SMS_TEXT) % {"code": code, "process": process.label}
    transaction.on_commit(lambda: sms.send_sms(number, text))
    return check


def phone_code_confirm(*, user: User, process: Process, code: str) -> PhoneCheck:
    """Confirm the number with the code sent: at most five tries, within ten minutes."""
    with transaction.atomic():
        check = PhoneCheck.objects.select_for_update().filter(process=process, user=user).first()
        if check is None:
            raise Conflict(_("Ask for a code first."), code="no_code")
        if check.verified_at is not None:
            return check
        if check.attempts >= PHONE_MAX_ATTEMPTS or timezone.now() - check.sent_at > PHONE_CODE_TTL:
            raise Conflict(_("This code has expired: ask for a new one."), code="code_expired")
        right = secrets.compare_digest(check.code_hash, _phone_code_hash(check.pk, code))
        if right:
            check.verified_at = timezone.now()
            try:
                with transaction.atomic():
                    check.save(update_fields=["verified_at"])
            except IntegrityError:
                raise Conflict(
                    _("This number is already confirmed by another account."), code="taken"
                ) from None
            audit_record(action="budget.phone_confirmed", actor=user, obj=process, data={})
            return check
        check.attempts += 1
        check.save(update_fields=["attempts"])
    message = _("This code is not the one we sent.")
    raise DomainError(message, code="wrong_code", fields={"code": [message]})


# --- assisted voting at booths ----------------------------------------------------------------


@transaction.atomic
def booth_helper_grant(*, actor: User | None, process: Process, user: User) -> BoothHelper:
    """An official lets an organisation member record assisted ballots for this process."""
    _require_manager(actor)
    if user.role != Role.ORGANISATION_MEMBER:
        message = _("Only organisation members can help at booths.")
        raise DomainError(message, code="invalid", fields={"email": [message]})
    helper, _created = BoothHelper.objects.get_or_create(
        process=process, user=user, defaults={"granted_by": actor}
    )
    audit_record(
        action="budget.booth_helper_granted", actor=actor, obj=process, data={"user": user.pk}
    )
    return helper


@transaction.atomic
def booth_helper_revoke(*, actor: User | None, process: Process, user: User) -> None:
    _require_manager(actor)
    BoothHelper.objects.filter(process=process, user=user).delete()
    audit_record(
        action="budget.booth_helper_revoked", actor=actor, obj=process, data={"user": user.pk}
    )


def is_booth_helper(user: Any, process: Process) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and BoothHelper.objects.filter(process=process, user=user).exists()
    )


def ballot_cast_assisted(
    *,
    helper: User,
    envelope: Envelope,
    choices: Mapping[str, int],
    code: str = "",
    identifier: str = "",
) -> Ballot:
    """A booth helper records the ballot of a voter who shows a one-time code (spent here) or an
    identifier on the eligibility list. Channel ``assisted``; one ballot per person still holds
    (same keys as the other channels); the helper's act is audited, never the choices."""
    try:
        with transaction.atomic():
            process = _voting_open(envelope)
            if not is_booth_helper(helper, process):
                raise NotAllowed()
            vc = _code_row(envelope, code) if code.strip() else None
            row = _eligible(process, identifier) if identifier.strip() else None
            if vc is None and row is None:
                message = _("Give the voter's code or identifier.")
                raise DomainError(message, code="invalid", fields={"code": [message]})
            key = _eligible_for(process, envelope, row) or f"code:{vc.code_hash if vc else ''}"
            clean = _checked(envelope, choices)
            ballot = _store(envelope, clean, "assisted", _mark_hash(envelope, key))
            if vc is not None:
                vc.spent_at = timezone.now()
                vc.save(update_fields=["spent_at"])
            audit_record(
                action="budget.assisted_ballot",
                actor=helper,
                obj=envelope,
                data={"with": "code" if vc else "identifier"},
            )
            return ballot
    except _AlreadyVotedError:
        raise _refuse(envelope, "assisted", helper) from None


# --- paper ballots, double entry --------------------------------------------------------------


def paper_enter(
    *,
    actor: User,
    envelope: Envelope,
    serial: str,
    choices: Mapping[str, int],
    identifier: str = "",
) -> PaperSheet:
    """An official enters a paper ballot by its sheet number. The first entry waits; a second
    entry by another official counts the ballot if both agree (choices and identifier) and
    marks a mismatch otherwise; on a mismatch a third official's entry decides. Every entry is
    audited (without the choices); a ballot from someone who already voted is refused."""
    if not actor.has_perm("budgeting.manage"):
        raise NotAllowed()
    serial = serial.strip()
    if not serial:
        message = _("Give the sheet number.")
        raise DomainError(message, code="invalid", fields={"serial": [message]})
    try:
        with transaction.atomic():
            sheet = _paper_enter(actor, envelope, serial, choices, identifier)
    except _AlreadyVotedError:
        sheet = PaperSheet.objects.get(envelope=envelope, serial=serial)
        sheet.status = PaperSheet.Status.REFUSED
        sheet.first_voter = sheet.second_voter = ""
        sheet.save(update_fields=["status", "first_voter", "second_voter"])
        raise _refuse(envelope, "paper", actor) from None
    return sheet


def _paper_enter(
    actor: User, envelope: Envelope, serial: str, choices: Mapping[str, int], identifier: str
) -> PaperSheet:
    process = _voting_open(envelope)
    clean = _checked(envelope, choices)
    voter = identifier_hash(process, identifier) if identifier.strip() else ""
    if voter:
        _eligible_for(process, envelope, _eligible(process, identifier))
    elif process.require_eligibility:
        message = _("Give the voter's identifier from the polling register.")
        raise DomainError(message, code="invalid", fields={"identifier": [message]})
    sheet, created = PaperSheet.objects.select_for_update().get_or_create(
        envelope=envelope,
        serial=serial,
        defaults={"first_by": actor, "first_choices": clean, "first_voter": voter},
    )
    step = "first"
    if not created:
        if sheet.status in (PaperSheet.Status.COUNTED, PaperSheet.Status.REFUSED):
            raise Conflict(_("This sheet has already been decided."), code="sheet_done")
        if actor.pk in (sheet.first_by_id, sheet.second_by_id):
            raise Conflict(_("Another official must enter this sheet."), code="same_official")
        if sheet.status == PaperSheet.Status.FIRST:
            sheet.second_by, sheet.second_choices, sheet.second_voter = actor, clean, voter
            agree = sheet.first_choices == clean and sheet.first_voter == voter
            step = "second"
            sheet.status = PaperSheet.Status.COUNTED if agree else PaperSheet.Status.MISMATCH
        else:  # a mismatch: the third official's entry decides
            sheet.resolved_by = actor
            sheet.status = PaperSheet.Status.COUNTED
            step = "resolved"
        if sheet.status == PaperSheet.Status.COUNTED:
            key = f"id:{voter}" if voter else f"paper:{serial}"
            _store(envelope, clean, "paper", _mark_hash(envelope, key))
            sheet.first_voter = sheet.second_voter = ""  # the identifier is not kept with choices
        sheet.save()
    audit_record(
        action="budget.paper_entered",
        actor=actor,
        obj=envelope,
        data={"serial": serial, "step": step, "status": sheet.status},
    )
    return sheet


# --- support round and shortlist -------------------------------------------------------------

MERGE_PROPOSED = gettext_noop(
    "An official proposes to merge your idea “%(title)s” with similar ideas into “%(target)s”. "
    "Nothing changes unless every author agrees: answer on the proposal's page."
)
MERGE_DECLINED = gettext_noop("The merge into “%(target)s” was declined by an author.")
MERGE_DONE = gettext_noop(
    "“%(title)s” is now part of “%(target)s”: its authors agreed to merge them, and supports "
    "given to it now count for “%(target)s”."
)
NOT_SHORTLISTED = gettext_noop(
    "Your idea “%(title)s” did not get enough support to go to the ballot (%(n)s supports)."
)


def _support_open(idea: Idea) -> Process:
    process = _current(idea.envelope.process_id)
    if process.phase() != Phase.SUPPORT or process.shortlist_published_at is not None:
        raise Conflict(_("The support round is not open."), code="phase_closed")
    return process


@transaction.atomic
def idea_support(*, user: User, idea: Idea, support: bool = True) -> int:
    """Support (or stop supporting) a project in the support round; returns its supports."""
    if not user.has_perm("budgeting.vote"):
        raise NotAllowed()
    idea = Idea.objects.select_related("envelope").get(pk=idea.pk)
    _support_open(idea)
    if idea.status != Idea.Status.ACCEPTED:
        raise Conflict(_("Only projects that passed the review can be supported."), code="invalid")
    if not _may_vote_in(user, idea.envelope):
        raise NotAllowed(_("This budget is for the residents of its district."))
    if support:
        Support.objects.get_or_create(idea=idea, user=user)
    else:
        Support.objects.filter(idea=idea, user=user).delete()
    return Support.objects.filter(idea=idea).count()


def shortlist_keep(
    supports: Mapping[int, int], size: int, threshold: int
) -> tuple[list[int], list[int]]:
    """Which projects stay on the ballot: those with at least ``threshold`` supports and, if
    ``size`` > 0, among the ``size`` most supported — projects tied with the last one kept stay
    too (a tie is not broken by a lot). Returns ``(kept, dropped)`` in order of supports."""
    ranked = sorted(supports, key=lambda pk: (-supports[pk], pk))
    kept = [pk for pk in ranked if supports[pk] >= threshold]
    if size and len(kept) > size:
        last = supports[kept[size - 1]]
        kept = [pk for pk in kept if supports[pk] >= last]
    dropped = [pk for pk in ranked if pk not in kept]
    return kept, dropped


@transaction.atomic
def shortlist_publish(*, actor: User | None, process: Process) -> dict[str, dict[str, int]]:
    """Close the support round: in every budget, the projects with too little support leave the
    ballot (status "not enough support"). Published: the counts go to the audit log and stay on
    the pages. Returns ``{envelope slug: {idea id: supports}}`` of the projects kept."""
    _require_manager(actor)
    process = Process.objects.select_for_update().get(pk=process.pk)
    if process.phase() != Phase.SUPPORT:
        raise Conflict(_("The support round is not open."), code="phase_closed")
    if process.shortlist_published_at is not None:
        raise Conflict(_("The shortlist is already published."), code="already_published")
    kept_all: dict[str, dict[str, int]] = {}
    counts_all: dict[str, int] = {}
    dropped_ideas: list[Idea] = []
    for env in process.envelopes.order_by("slug"):
        rows = Idea.objects.filter(envelope=env, status=Idea.Status.ACCEPTED).annotate(
            n=models.Count("supports")
        )
        ideas = {i.pk: i for i in rows}
        supports = {pk: i.n for pk, i in ideas.items()}
        kept, dropped = shortlist_keep(supports, process.shortlist_size, process.support_threshold)
        kept_all[env.slug] = {str(pk): supports[pk] for pk in kept}
        counts_all.update({str(pk): n for pk, n in supports.items()})
        Idea.objects.filter(pk__in=dropped).update(status=Idea.Status.NOT_SHORTLISTED)
        dropped_ideas += [ideas[pk] for pk in dropped]
    process.shortlist_published_at = timezone.now()
    process.save(update_fields=["shortlist_published_at"])
    audit_record(
        action="budget.shortlist_published",
        actor=actor,
        obj=process,
        data={
            "size": process.shortlist_size,
            "threshold": process.support_threshold,
            "supports": counts_all,
            "kept": kept_all,
        },
    )
    for idea in dropped_ideas:
        if idea.author is not None:
            _notify_later(
                idea.author,
                "budget.idea_not_shortlisted",
                NOT_SHORTLISTED,
                {"title": idea.title[:80], "n": str(counts_all[str(idea.pk)])},
                reverse("budgeting:idea", kwargs={"slug": process.slug, "pk": idea.pk}),
            )
    return kept_all


def _notify_later(user: User, verb: str, text: str, params: dict[str, str], link: str) -> None:
    transaction.on_commit(
        lambda: notification_send(recipients=[user], verb=verb, text=text, params=params, link=link)
    )


# --- merging similar ideas, with their authors' consent ----------------------------------------

MERGEABLE = (Idea.Status.SUBMITTED, Idea.Status.ACCEPTED)


@transaction.atomic
def merge_propose(
    *, actor: User | None, target: Idea, others: Iterable[Idea], reason: str
) -> MergeProposal:
    """An official proposes to merge ``others`` into ``target`` (same budget). Every author is
    notified and asked; nothing changes until all agree. An idea whose author's account is gone
    has nobody to ask and counts as agreed."""
    _require_manager(actor)
    target = Idea.objects.select_related("envelope__process").get(pk=target.pk)
    _ensure_not_frozen(target.envelope.process)
    ideas = [target, *Idea.objects.filter(pk__in=[o.pk for o in others]).exclude(pk=target.pk)]
    if len(ideas) < 2:
        message = _("Choose at least one other idea to merge.")
        raise DomainError(message, code="invalid", fields={"ideas": [message]})
    if any(i.envelope_id != target.envelope_id or i.status not in MERGEABLE for i in ideas):
        message = _("Only ideas of the same budget that are not rejected can be merged.")
        raise DomainError(message, code="invalid", fields={"ideas": [message]})
    if not reason.strip():
        message = _("Say why these ideas belong together.")
        raise DomainError(message, code="invalid", fields={"reason": [message]})
    busy = MergeConsent.objects.filter(
        idea__in=ideas, proposal__status=MergeProposal.Status.OPEN
    ).exists()
    if busy:
        raise Conflict(_("One of these ideas is already in an open merge proposal."), code="busy")
    proposal = MergeProposal.objects.create(
        envelope=target.envelope, target=target, reason=reason.strip(), proposed_by=actor
    )
    now, agreed = timezone.now(), MergeConsent.Decision.ACCEPTED
    MergeConsent.objects.bulk_create(
        [
            MergeConsent(
                proposal=proposal,
                idea=i,
                author=i.author,
                decision=MergeConsent.Decision.PENDING if i.author else agreed,
                decided_at=None if i.author else now,
            )
            for i in ideas
        ]
    )
    audit_record(
        action="budget.merge_proposed",
        actor=actor,
        obj=proposal,
        data={"target": target.pk, "ideas": [i.pk for i in ideas], "reason": proposal.reason},
    )
    link = reverse(
        "budgeting:merge", kwargs={"slug": target.envelope.process.slug, "pk": proposal.pk}
    )
    for i in ideas:
        if i.author is not None:
            _notify_later(
                i.author,
                "budget.merge_proposed",
                MERGE_PROPOSED,
                {"title": i.title[:80], "target": target.title[:80]},
                link,
            )
    if all(i.author is None for i in ideas):
        _merge_apply(proposal)
    return proposal


@transaction.atomic
def merge_answer(*, user: User, proposal: MergeProposal, accept: bool) -> MergeProposal:
    """An author agrees to or declines a merge (for all their ideas in it). The last agreement
    merges; one refusal closes the proposal."""
    proposal = (
        MergeProposal.objects.select_for_update()
        .select_related("target__envelope__process")
        .get(pk=proposal.pk)
    )
    if proposal.status != MergeProposal.Status.OPEN:
        raise Conflict(_("This merge proposal is closed."), code="closed")
    mine = proposal.consents.filter(author=user, decision=MergeConsent.Decision.PENDING)
    if not mine.exists():
        raise NotAllowed(_("Only the authors of these ideas answer this proposal."))
    now = timezone.now()
    decision = MergeConsent.Decision.ACCEPTED if accept else MergeConsent.Decision.DECLINED
    mine.update(decision=decision, decided_at=now)
    audit_record(
        action="budget.merge_answered",
        actor=user,
        obj=proposal,
        data={"accept": accept},
    )
    if not accept:
        proposal.status = MergeProposal.Status.DECLINED
        proposal.decided_at = now
        proposal.save(update_fields=["status", "decided_at"])
        link = reverse(
            "budgeting:merge",
            kwargs={"slug": proposal.target.envelope.process.slug, "pk": proposal.pk},
        )
        people = {c.author for c in proposal.consents.select_related("author") if c.author}
        if proposal.proposed_by is not None:
            people.add(proposal.proposed_by)
        for person in people - {user}:
            _notify_later(
                person,
                "budget.merge_declined",
                MERGE_DECLINED,
                {"target": proposal.target.title[:80]},
                link,
            )
    elif not proposal.consents.exclude(decision=MergeConsent.Decision.ACCEPTED).exists():
        _merge_apply(proposal)
    return proposal


def _merge_apply(proposal: MergeProposal) -> None:
    """Every author agreed: the other ideas become part of the target; their supports move to
    it (a person who supported both keeps one), each moved support keeping where it came
    from; the supporters are told."""
    target = proposal.target
    _ensure_not_frozen(target.envelope.process)
    others = [c.idea for c in proposal.consents.select_related("idea") if c.idea_id != target.pk]
    moved: dict[str, int] = {}
    told: dict[int, tuple[User, Idea]] = {}
    already = set(Support.objects.filter(idea=target).values_list("user_id", flat=True))
    for idea in others:
        n = 0
        for support in Support.objects.select_related("user").filter(idea=idea):
            if support.user_id in already:
                support.delete()
                continue
            already.add(support.user_id)
            support.idea, support.moved_from = target, idea
            support.save(update_fields=["idea", "moved_from"])
            told[support.user_id] = (support.user, idea)
            n += 1
        moved[str(idea.pk)] = n
        target.reports.add(*idea.reports.all())
        idea.status, idea.merged_into = Idea.Status.MERGED, target
        idea.save(update_fields=["status", "merged_into"])
    proposal.status = MergeProposal.Status.MERGED
    proposal.decided_at = timezone.now()
    proposal.moved = moved
    proposal.save(update_fields=["status", "decided_at", "moved"])
    audit_record(
        action="budget.ideas_merged",
        actor=None,
        obj=proposal,
        data={"target": target.pk, "merged": [i.pk for i in others], "supports_moved": moved},
    )
    link = reverse("budgeting:idea", kwargs={"slug": target.envelope.process.slug, "pk": target.pk})
    for person, idea in told.values():
        _notify_later(
            person,
            "budget.support_moved",
            MERGE_DONE,
            {"title": idea.title[:80], "target": target.title[:80]},
            link,
        )


# --- implementation ---------------------------------------------------------------------------


def _implementation_sync(envelope: Envelope, winners: list[str]) -> None:
    """Each funded project becomes a trackable project (kept if already there); on a recount a
    project no longer funded loses its tracking while still planned."""
    ids = [int(w) for w in winners]
    ImplementationProject.objects.filter(idea__envelope=envelope, status="planned").exclude(
        idea_id__in=ids
    ).delete()
    have = set(
        ImplementationProject.objects.filter(idea_id__in=ids).values_list("idea_id", flat=True)
    )
    ImplementationProject.objects.bulk_create(
        [ImplementationProject(idea_id=pk) for pk in ids if pk not in have]
    )


@transaction.atomic
def implementation_update(
    *,
    actor: User | None,
    project: ImplementationProject,
    status: str,
    note: str = "",
    initiative: Any = None,
) -> ImplementationProject:
    """An official records a funded project's progress and, for accountability, the
    co-creation initiative that follows it."""
    _require_manager(actor)
    project = ImplementationProject.objects.select_for_update().get(pk=project.pk)
    linked_before = project.initiative_id
    project.status, project.note, project.initiative = status, note.strip(), initiative
    project.updated_at = timezone.now()
    full_clean(project)
    project.save()
    audit_record(
        action="budget.implementation_updated",
        actor=actor,
        obj=project.idea,
        data={"status": status, "initiative": initiative.pk if initiative else None},
    )
    if initiative is not None and initiative.pk != linked_before:
        # a project is tracked only once it has won, so linking it is the initiative's budget
        # win; co-creation imports budgeting's selectors, hence this import here
        from cocity.cocreation.services import budget_win_announce

        idea = project.idea
        budget_win_announce(
            initiative=initiative,
            project=idea.title,
            process=idea.envelope.process.title,
            actor=actor,
        )
    return project


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
    try:
        ejr = {"checked": True, "violations": ejr_violations(election, out.winners)}
    except PBError:
        ejr = {"checked": False, "violations": []}
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
            "ejr": ejr,
            "spent": int(out.spent(election)),
            "n_ballots": election.num_voters,
            "result_sha256": digest,
            "computed_at": timezone.now(),
        },
    )
    _implementation_sync(envelope, winners)
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
