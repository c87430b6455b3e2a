"""Participatory budgeting: processes with phases, envelopes (budgets), ideas that become the
projects on the ballot, ballots kept apart from who cast them, and stored results."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocity.core.models import in_language


class Phase(models.TextChoices):
    UPCOMING = "upcoming", _("Coming soon")
    IDEAS = "ideas", _("Collecting ideas")
    REVIEW = "review", _("Technical review")
    SUPPORT = "support", _("Support round")
    VOTING = "voting", _("Voting")
    TALLY = "tally", _("Counting")
    RESULTS = "results", _("Results")
    IMPLEMENTATION = "implementation", _("Implementation")


#: The phases in order, each with the date field that opens it.
PHASE_STARTS: list[tuple[str, str]] = [
    (Phase.IDEAS, "ideas_opens_at"),
    (Phase.REVIEW, "review_opens_at"),
    (Phase.SUPPORT, "support_opens_at"),
    (Phase.VOTING, "voting_opens_at"),
    (Phase.TALLY, "voting_closes_at"),
    (Phase.RESULTS, "results_at"),
    (Phase.IMPLEMENTATION, "implementation_at"),
]


class BallotKind(models.TextChoices):
    APPROVAL = "approval", _("Approval: choose up to a number of projects")
    KNAPSACK = "knapsack", _("Knapsack: choose projects within the budget")
    CUMULATIVE = "cumulative", _("Cumulative: spread points over projects")


class CountingRule(models.TextChoices):
    MES = "mes", _("Method of Equal Shares (with completion)")
    GREEDY = "greedy", _("Greedy: most votes first")
    PHRAGMEN = "phragmen", _("Sequential Phragmén")


class TieBreak(models.TextChoices):
    LEXICO = "lexico", _("Lowest project number")
    COST_VOTES_LOT = "cost-votes-lot", _("Lower cost, then more votes, then a seeded lot")


class Process(models.Model):
    """One participatory budget: its phases, its ballot and counting rules, its envelopes."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    titles = models.JSONField(_("title in other languages"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    descriptions = models.JSONField(_("description in other languages"), default=dict, blank=True)
    ideas_opens_at = models.DateTimeField(_("ideas open"))
    review_opens_at = models.DateTimeField(_("review starts"))
    support_opens_at = models.DateTimeField(_("support round starts"), null=True, blank=True)
    voting_opens_at = models.DateTimeField(_("voting opens"))
    voting_closes_at = models.DateTimeField(_("voting closes"))
    results_at = models.DateTimeField(_("results published"), null=True, blank=True)
    implementation_at = models.DateTimeField(_("implementation starts"), null=True, blank=True)
    #: Set by an official to move the process to a phase regardless of the dates.
    phase_override = models.CharField(
        _("phase set by an official"), max_length=20, choices=Phase.choices, blank=True
    )
    ballot_kind = models.CharField(
        _("ballot"), max_length=20, choices=BallotKind.choices, default=BallotKind.APPROVAL
    )
    max_choices = models.PositiveSmallIntegerField(
        _("most projects per ballot (approval; 0: no limit)"), default=5
    )
    points = models.PositiveSmallIntegerField(_("points per ballot (cumulative)"), default=10)
    rule = models.CharField(
        _("counting rule"), max_length=20, choices=CountingRule.choices, default=CountingRule.MES
    )
    tie_break = models.CharField(
        _("tie-breaking"), max_length=20, choices=TieBreak.choices, default=TieBreak.LEXICO
    )
    tie_break_seed = models.PositiveIntegerField(_("seed of the lot"), default=0)
    shortlist_size = models.PositiveSmallIntegerField(
        _("projects per budget kept by the support round (0: no limit)"), default=0
    )
    support_threshold = models.PositiveIntegerField(
        _("supports a project needs in the support round (0: none)"), default=0
    )
    shortlist_published_at = models.DateTimeField(null=True, blank=True)
    require_eligibility = models.BooleanField(
        _("only people on the eligibility list may vote"), default=False
    )
    sms_verification = models.BooleanField(
        _("online voters confirm a mobile number with a code sent by SMS"), default=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-voting_opens_at", "-id"]
        verbose_name = _("budget process")
        verbose_name_plural = _("budget processes")
        constraints = [
            models.CheckConstraint(
                condition=Q(review_opens_at__gte=models.F("ideas_opens_at"))
                & Q(voting_opens_at__gte=models.F("review_opens_at"))
                & Q(voting_closes_at__gt=models.F("voting_opens_at")),
                name="process_phases_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return in_language(self.titles or {}, self.title)

    @property
    def description_label(self) -> str:
        return in_language(self.descriptions or {}, self.description)

    def phase_by_dates(self, now: datetime | None = None) -> str:
        now = now or timezone.now()
        phase = str(Phase.UPCOMING)
        for name, attr in PHASE_STARTS:
            start = getattr(self, attr)
            if start is not None and start <= now:
                phase = str(name)
        return phase

    def phase(self, now: datetime | None = None) -> str:
        """The current phase: the one an official set, else the one the dates give."""
        return self.phase_override or self.phase_by_dates(now)

    def phase_label(self, now: datetime | None = None) -> str:
        return str(Phase(self.phase(now)).label)

    @property
    def current_phase(self) -> str:
        return self.phase()

    def voting_has_opened(self, now: datetime | None = None) -> bool:
        """Once true, the rules and budgets are frozen."""
        order = [str(p) for p in Phase.values]
        return order.index(self.phase(now)) >= order.index(Phase.VOTING)

    def timeline(self, now: datetime | None = None) -> list[dict[str, object]]:
        current = self.phase(now)
        return [
            {
                "phase": str(name),
                "label": str(Phase(name).label),
                "starts": getattr(self, attr),
                "current": str(name) == current,
            }
            for name, attr in PHASE_STARTS
            if getattr(self, attr) is not None or str(name) == current
        ]

    @property
    def completion(self) -> str:
        """Equal Shares is completed with Add1 (the engine's ``add1``); other rules need none."""
        return "add1" if self.rule == CountingRule.MES else "none"


class Envelope(models.Model):
    """A budget inside a process: city-wide, or for one district."""

    class Allocation(models.TextChoices):
        MANUAL = "manual", _("Set by hand")
        POPULATION = "population", _("Split by population")
        NEED = "need", _("Split by population and open reports")

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="envelopes")
    slug = models.SlugField(_("short name"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    names = models.JSONField(_("name in other languages"), default=dict, blank=True)
    area = models.ForeignKey(
        "core.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="budget_envelopes",
        verbose_name=_("district"),
    )
    amount = models.PositiveBigIntegerField(_("budget (whole currency units)"))
    allocation = models.CharField(
        _("how the amount was set"),
        max_length=20,
        choices=Allocation.choices,
        default=Allocation.MANUAL,
    )

    class Meta:
        ordering = ["process", "slug"]
        verbose_name = _("budget envelope")
        verbose_name_plural = _("budget envelopes")
        constraints = [
            models.UniqueConstraint(fields=["process", "slug"], name="envelope_slug_unique"),
            models.UniqueConstraint(
                fields=["process", "area"],
                condition=Q(area__isnull=False),
                name="envelope_area_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return in_language(self.names or {}, self.name)


class Idea(models.Model):
    """A resident's idea for an envelope. Once an official accepts it with a cost, it is a
    project on the ballot; a rejected idea keeps the reasons, shown publicly."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting review")
        ACCEPTED = "accepted", _("On the ballot")
        REJECTED = "rejected", _("Not feasible")
        NOT_SHORTLISTED = "not_shortlisted", _("Not enough support")
        MERGED = "merged", _("Merged into another idea")

    envelope = models.ForeignKey(Envelope, on_delete=models.CASCADE, related_name="ideas")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="budget_ideas",
    )
    title = models.CharField(_("title"), max_length=140)
    body = models.TextField(_("description"), max_length=4000)
    reports = models.ManyToManyField(
        "needs.Report", blank=True, related_name="budget_ideas", verbose_name=_("reports")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    cost = models.PositiveBigIntegerField(_("estimated cost"), null=True, blank=True)
    feasibility = models.TextField(_("feasibility"), blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["envelope", "pk"]
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(cost__gt=0),
                name="idea_accepted_has_cost",
            ),
        ]
        indexes = [models.Index(fields=["envelope", "status"])]

    def __str__(self) -> str:
        return self.title


class Ballot(models.Model):
    """A cast ballot. It names no person: its key is random (no order to match against
    ``VoterMark``) and it has no time; ``receipt`` lets its voter check it was counted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    envelope = models.ForeignKey(Envelope, on_delete=models.PROTECT, related_name="ballots")
    #: ``{"<idea id>": points}``; 1 point per chosen project for approval and knapsack ballots.
    choices = models.JSONField()
    receipt = models.CharField(max_length=16, unique=True)
    channel = models.CharField(max_length=16, default="online")

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self) -> str:
        return self.receipt


class VoterMark(models.Model):
    """That someone voted in an envelope: a keyed hash of the person (HMAC of the account id),
    unique per envelope. Written in the same transaction as the ballot, never linked to it."""

    envelope = models.ForeignKey(Envelope, on_delete=models.PROTECT, related_name="voter_marks")
    voter_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["envelope", "voter_hash"], name="votermark_one_per_envelope"
            ),
        ]

    def __str__(self) -> str:
        return self.voter_hash[:12]


class Result(models.Model):
    """The published result of one envelope, with what it takes to reproduce it."""

    envelope = models.OneToOneField(Envelope, on_delete=models.CASCADE, related_name="result")
    rule = models.CharField(max_length=20)
    options = models.JSONField(default=dict)
    engine_version = models.CharField(max_length=40)
    winners = models.JSONField(default=list)  # idea ids (strings), in selection order
    greedy_winners = models.JSONField(default=list)
    votes = models.JSONField(default=dict)  # idea id -> voters listing it
    points = models.JSONField(default=dict)  # idea id -> points (cumulative ballots)
    explanations = models.JSONField(default=dict)  # idea id -> the engine's explanation
    spent = models.PositiveBigIntegerField(default=0)
    n_ballots = models.PositiveIntegerField(default=0)
    result_sha256 = models.CharField(max_length=64)
    #: The EJR-up-to-one audit: ``{"checked": bool, "violations": [...], "note": str}``.
    ejr = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")

    def __str__(self) -> str:
        return self.result_sha256


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    CODE = "code", _("Voting code")
    PAPER = "paper", _("Paper")
    ASSISTED = "assisted", _("Assisted at a booth")


class EligibleVoter(models.Model):
    """One line of a process's eligibility list: a keyed hash (HMAC) of a normalised identifier
    such as an ID number, never the identifier, with the person's district. ``user`` is set once
    a signed-in resident has given the identifier."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="eligible")
    id_hash = models.CharField(max_length=64)
    area = models.ForeignKey(
        "core.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("eligible voter")
        verbose_name_plural = _("eligible voters")
        constraints = [
            models.UniqueConstraint(fields=["process", "id_hash"], name="eligible_unique"),
            models.UniqueConstraint(
                fields=["process", "user"],
                condition=Q(user__isnull=False),
                name="eligible_one_per_user",
            ),
        ]

    def __str__(self) -> str:
        return self.id_hash[:12]


class VotingCode(models.Model):
    """A one-time voting code for an envelope: only its keyed hash is stored; ``spent_at`` is
    set in the transaction that stores the ballot cast with it."""

    envelope = models.ForeignKey(Envelope, on_delete=models.PROTECT, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    batch = models.PositiveIntegerField(default=1)
    spent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("voting code")
        verbose_name_plural = _("voting codes")

    def __str__(self) -> str:
        return self.code_hash[:12]


class PaperSheet(models.Model):
    """A paper ballot entered twice by two different officials. It is counted (a ``Ballot`` with
    channel ``paper``) only when both entries agree; a mismatch waits for a third official."""

    class Status(models.TextChoices):
        FIRST = "first", _("Entered once")
        MISMATCH = "mismatch", _("Entries differ")
        COUNTED = "counted", _("Counted")
        REFUSED = "refused", _("Refused: the voter had already voted")

    envelope = models.ForeignKey(Envelope, on_delete=models.PROTECT, related_name="paper_sheets")
    serial = models.CharField(_("sheet number"), max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FIRST)
    first_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_choices = models.JSONField(default=dict)
    first_voter = models.CharField(max_length=64, blank=True)  # HMAC of the identifier, if any
    second_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    second_choices = models.JSONField(default=dict)
    second_voter = models.CharField(max_length=64, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("paper ballot")
        verbose_name_plural = _("paper ballots")
        constraints = [
            models.UniqueConstraint(fields=["envelope", "serial"], name="paper_serial_unique"),
        ]

    def __str__(self) -> str:
        return self.serial


class PhoneCheck(models.Model):
    """A signed-in voter's mobile number, confirmed with a code sent by SMS: only keyed hashes of
    the number and of the code are stored. One confirmed number per account and per process;
    the number is the voter's key for "one ballot per person" when no identifier is known."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="phone_checks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    phone_hash = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mobile number check")
        verbose_name_plural = _("mobile number checks")
        constraints = [
            models.UniqueConstraint(fields=["process", "user"], name="phonecheck_one_per_user"),
            models.UniqueConstraint(
                fields=["process", "phone_hash"],
                condition=Q(verified_at__isnull=False),
                name="phonecheck_one_account_per_number",
            ),
        ]

    def __str__(self) -> str:
        return self.phone_hash[:12]


class BoothHelper(models.Model):
    """An organisation member an official has allowed to record assisted ballots at a booth
    for this process."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="booth_helpers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("booth helper")
        verbose_name_plural = _("booth helpers")
        constraints = [
            models.UniqueConstraint(fields=["process", "user"], name="boothhelper_unique"),
        ]

    def __str__(self) -> str:
        return str(self.user_id)


class Support(models.Model):
    """A resident's support for a project in the support round. ``moved_from`` names the idea
    the support was given to when a merge (agreed by the authors) moved it here."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    moved_from = models.ForeignKey(
        Idea, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["idea", "user"], name="support_once_per_idea"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.idea_id}"


class MergeProposal(models.Model):
    """An official's proposal to merge similar ideas into ``target``. Nothing moves until every
    author has agreed; one refusal closes it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the authors")
        MERGED = "merged", _("Merged")
        DECLINED = "declined", _("Declined by an author")

    envelope = models.ForeignKey(Envelope, on_delete=models.CASCADE, related_name="merges")
    target = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="merge_targets")
    reason = models.TextField(_("why these ideas belong together"), max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    #: After the merge: ``{"<idea id>": supports moved from it}``, shown on the target's page.
    moved = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("merge proposal")
        verbose_name_plural = _("merge proposals")

    def __str__(self) -> str:
        return f"merge into {self.target_id}"


class MergeConsent(models.Model):
    """One idea of a merge proposal and its author's answer."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("No answer yet")
        ACCEPTED = "accepted", _("Agreed")
        DECLINED = "declined", _("Declined")

    proposal = models.ForeignKey(MergeProposal, on_delete=models.CASCADE, related_name="consents")
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="merge_consents")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "idea"], name="mergeconsent_unique"),
        ]

    def __str__(self) -> str:
        return self.decision


class ImplementationProject(models.Model):
    """A funded project as the city carries it out: its status and, for accountability, the
    co-creation initiative that follows it (if any)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    idea = models.OneToOneField(Idea, on_delete=models.CASCADE, related_name="implementation")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    note = models.TextField(_("progress note"), blank=True, max_length=2000)
    initiative = models.ForeignKey(
        "cocreation.Initiative",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="budget_projects",
        verbose_name=_("co-creation initiative"),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["idea"]
        verbose_name = _("implementation project")
        verbose_name_plural = _("implementation projects")

    def __str__(self) -> str:
        return f"{self.idea_id}: {self.status}"
