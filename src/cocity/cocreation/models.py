"""Co-creation: challenges built from reports, proposals answering them (co-authors, versions,
endorsements, moderated comments), and initiatives taken through a programme pipeline with
goals, indicators, measurements and milestones fixed before the pilot."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class Challenge(models.Model):
    """A public problem statement grouping related reports, with its evidence."""

    title = models.CharField(_("title"), max_length=200)
    statement = models.TextField(_("problem statement"))
    most_affected = models.TextField(_("who is most affected"), blank=True)
    areas = models.ManyToManyField(
        "core.Area", blank=True, related_name="challenges", verbose_name=_("districts affected")
    )
    reports = models.ManyToManyField(
        "needs.Report", blank=True, related_name="challenges", verbose_name=_("linked reports")
    )
    conversation = models.ForeignKey(
        "deliberation.Conversation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="challenges",
        verbose_name=_("linked conversation"),
    )
    #: The community organisation leading it (empty: led by the city).
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="challenges",
        verbose_name=_("led by"),
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")

    def __str__(self) -> str:
        return self.title


class ChallengeFollow(models.Model):
    """Someone following a challenge and everything that grows from it."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="challenge_follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["challenge", "user"], name="one_challenge_follow")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.challenge_id}"


class Proposal(models.Model):
    """An idea answering a challenge. Its current text is the latest version's."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("proposal"))
    author = models.ForeignKey(
        USER, null=True, on_delete=models.SET_NULL, related_name="cocreation_proposals"
    )
    #: Submitted in the name of an organisation the author belongs to.
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
        verbose_name=_("on behalf of"),
    )
    coauthors: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        USER, blank=True, related_name="coauthored_proposals", verbose_name=_("co-authors")
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [models.Index(fields=["challenge", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class ProposalVersion(models.Model):
    """One saved text of a proposal; version 1 is the submission."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("proposal"))
    editor = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="proposal_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} v{self.number}"


class Endorsement(models.Model):
    """Support for a proposal, by a person or by an organisation (given by one of its members)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="endorsements")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="endorsements")
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="endorsements",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "user"],
                condition=Q(organisation__isnull=True),
                name="endorse_once_as_person",
            ),
            models.UniqueConstraint(
                fields=["proposal", "organisation"],
                condition=Q(organisation__isnull=False),
                name="endorse_once_as_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id or self.user_id} endorses {self.proposal_id}"


class Comment(models.Model):
    """A comment on a proposal, maybe answering another. As in conversations, comments wait for
    a moderator unless their author is trusted (officials, organisation members, moderators)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("comment"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    moderated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "rejected"]),
                name="comment_status_valid",
            )
        ]
        indexes = [models.Index(fields=["proposal", "status"])]

    def __str__(self) -> str:
        return self.body[:60]


class Stage(models.TextChoices):
    """The programme pipeline. Scale, iterate and retire are the three ends of an evaluation."""

    IDEA = "idea", _("Idea")
    CODESIGN = "codesign", _("Co-design")
    PILOT = "pilot", _("Pilot")
    EVALUATION = "evaluation", _("Evaluation")
    SCALE = "scale", _("Scale")
    ITERATE = "iterate", _("Iterate")
    RETIRE = "retire", _("Retire")


#: The gates: from each stage, the stages a decision may move an initiative to.
GATES: dict[str, tuple[str, ...]] = {
    Stage.IDEA: (Stage.CODESIGN, Stage.RETIRE),
    Stage.CODESIGN: (Stage.PILOT, Stage.RETIRE),
    Stage.PILOT: (Stage.EVALUATION,),
    Stage.EVALUATION: (Stage.SCALE, Stage.ITERATE, Stage.RETIRE),
    Stage.ITERATE: (Stage.CODESIGN, Stage.PILOT, Stage.RETIRE),
    Stage.SCALE: (),
    Stage.RETIRE: (),
}
#: Goals and indicators are fixed before the pilot: they may change only in these stages.
GOALS_OPEN = (Stage.IDEA, Stage.CODESIGN, Stage.ITERATE)


class Initiative(models.Model):
    """A proposal the city takes through the programme pipeline."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="initiative")
    title = models.CharField(_("title"), max_length=200)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.IDEA)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=[s.value for s in Stage]), name="initiative_stage_valid"
            )
        ]

    def __str__(self) -> str:
        return self.title


class GateDecision(models.Model):
    """A decision at a gate: the criteria it was judged on, why, and when."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="decisions")
    from_stage = models.CharField(_("from"), max_length=16, choices=Stage.choices)
    to_stage = models.CharField(_("to"), max_length=16, choices=Stage.choices)
    criteria = models.TextField(_("criteria"))
    note = models.TextField(_("decision note"))
    decided_on = models.DateField(_("decided on"))
    decided_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.initiative_id}: {self.from_stage} → {self.to_stage}"


class Indicator(models.Model):
    """A goal's measure, fixed before the pilot: from a baseline to a target by a date."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by the city")
        REPORTS = "reports", _("Count of reports (last 30 days)")
        SENSORS = "sensors", _("Daily mean of sensors in the challenge's districts")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=3)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=3)
    target_date = models.DateField(_("target date"))
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.MANUAL
    )
    #: For a report count: the reports of this category in the challenge's districts.
    category = models.ForeignKey(
        "needs.ServiceCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("report category"),
    )
    #: For a sensor aggregate: the quantity (e.g. ``pm25``) averaged over the districts' sensors.
    quantity = models.CharField(_("sensor quantity"), max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["initiative", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(source="manual")
                | Q(source="reports", category__isnull=False)
                | (Q(source="sensors") & ~Q(quantity="")),
                name="indicator_source_complete",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Measurement(models.Model):
    """One value of an indicator on one day."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField(_("measured on"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=3)
    entered_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["indicator", "measured_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "measured_on"], name="one_measurement_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.measured_on}: {self.value}"


class Milestone(models.Model):
    """A step of the implementation; its weight counts towards progress when it is done."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["initiative", "due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="milestone_weight_positive")
        ]

    def __str__(self) -> str:
        return self.title


# --- amendments, meetings, gate surveys, the similar-idea index (issue 15, second part) --------


class ProposalAmendment(models.Model):
    """Replacement text for a proposal, proposed by anyone signed in; the proposal's authors
    accept it (it becomes a new version, crediting its author) or reject it with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the authors")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="amendments")
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("proposed text"))
    reason = models.CharField(_("why this change"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    #: The proposal's version number the amendment was written against.
    based_on = models.PositiveIntegerField(default=1)
    #: The version it became, once accepted.
    version = models.ForeignKey(
        ProposalVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "rejected"]),
                name="proposal_amendment_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.title}"


class Meeting(models.Model):
    """A meeting or workshop about a challenge, in person or online, hosted by the city or an
    organisation; registration up to its capacity, then a waiting list."""

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("In person and online")

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(_("title"), max_length=200)
    agenda = models.TextField(_("agenda"))
    format = models.CharField(
        _("format"), max_length=16, choices=Format.choices, default=Format.IN_PERSON
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    accessibility = models.TextField(_("accessibility"), blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    #: Empty: no limit.
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cocreation_meetings",
        verbose_name=_("hosted by"),
    )
    minutes = models.TextField(_("minutes"), blank=True)
    #: The proposals the meeting shaped (its outcomes).
    proposals = models.ManyToManyField(
        Proposal, blank=True, related_name="meetings", verbose_name=_("proposals it shaped")
    )
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class MeetingRegistration(models.Model):
    """A person registered for a meeting, or on its waiting list; attendance by the host."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="meeting_registrations")
    waiting = models.BooleanField(default=False)
    attended = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="one_registration")]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.meeting_id}"


class SurveyResponse(models.Model):
    """A resident's answer to the short survey of an initiative's next gate: how good the
    initiative is so far (1–5), whether it should go ahead, and a comment. The answers given
    while a stage lasts are attached to the decision that ends it."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="survey_responses"
    )
    decision = models.ForeignKey(
        GateDecision,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_responses",
    )
    stage = models.CharField(max_length=16, choices=Stage.choices)
    user = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    rating = models.PositiveSmallIntegerField(_("how well does it answer the challenge? (1–5)"))
    go_ahead = models.BooleanField(_("should it go ahead?"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="survey_rating_1_to_5"
            ),
            models.UniqueConstraint(
                fields=["initiative", "user"],
                condition=Q(decision__isnull=True),
                name="one_open_survey_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.stage}: {self.rating}"


class ProposalWord(models.Model):
    """The similar-idea index: each meaningful word of a proposal's current text, once, and
    whether it is in the title. It finds the few proposals sharing enough words with a new idea
    before the exact score is computed."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="+")
    word = models.CharField(max_length=64)
    in_title = models.BooleanField(default=False)

    class Meta:
        # the first answers "which proposals of this challenge hold this word" from the index
        # alone; the second "which of these words does this proposal hold"
        indexes = [
            models.Index(fields=["challenge", "word", "proposal"], name="proposalword_by_word"),
            models.Index(fields=["proposal", "word", "in_title"], name="proposalword_by_proposal"),
        ]

    def __str__(self) -> str:
        return self.word


# Co-written plans (issue 18) live in their own module; imported here so Django finds them.
from cocity.cocreation.models_plans import (  # noqa: E402, F401
    Amendment,
    AmendmentSupport,
    Plan,
    PlanComment,
    PlanCommentFlag,
    PlanFollow,
    PlanSection,
    PlanVersion,
)
