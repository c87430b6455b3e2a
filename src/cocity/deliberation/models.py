"""Polis-style conversations: statements, participants, votes and the stored analysis."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

STATEMENT_MAX_LENGTH = 140


class Conversation(models.Model):
    """A question put to the city; people answer with short statements and votes."""

    topic = models.CharField(_("topic"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    area = models.ForeignKey(
        "core.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
        verbose_name=_("area"),
    )
    #: The reported need this conversation discusses (later: a challenge or a budget process).
    need = models.ForeignKey(
        "needs.Report",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
        verbose_name=_("need"),
    )
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    allow_anonymous = models.BooleanField(_("allow anonymous participation"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    #: Where imported data came from and the attribution its licence asks for.
    source = models.CharField(_("source"), max_length=200, blank=True)
    attribution = models.TextField(_("attribution"), blank=True)
    #: The language people wrote its statements in (a BCP 47 tag such as "zh", shown as the
    #: ``lang`` of their text); empty: the site's language.
    language = models.CharField(_("language of its statements"), max_length=16, blank=True)
    #: Set while a recomputation is queued (the debounce of ``analysis_request``).
    analysis_requested_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="conversation_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return self.topic

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.opens_at and now < self.opens_at:
            return False
        return not (self.closes_at and now >= self.closes_at)


class Participant(models.Model):
    """Someone taking part in one conversation: an account or an anonymous browser session.

    ``number`` is the participant's id inside the conversation (Polis ``voter-id``)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    number = models.PositiveIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversation_participations",
    )
    session_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["conversation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "number"], name="participant_number_unique"
            ),
            models.UniqueConstraint(
                fields=["conversation", "user"],
                condition=Q(user__isnull=False),
                name="participant_user_unique",
            ),
            models.UniqueConstraint(
                fields=["conversation", "session_key"],
                condition=~Q(session_key=""),
                name="participant_session_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.number}"


class Statement(models.Model):
    """A short statement people vote on. ``number`` is its id in the conversation (Polis
    ``comment-id``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="statements"
    )
    number = models.PositiveIntegerField()
    # Statements written here are at most STATEMENT_MAX_LENGTH characters (checked by the
    # service); imported conversations may hold longer ones.
    body = models.TextField(_("statement"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversation_statements",
    )
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    is_seed = models.BooleanField(_("seed statement"), default=False)
    is_meta = models.BooleanField(_("meta statement"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    #: Why a moderator rejected it; its author reads it in the notification of the outcome.
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

    class Meta:
        ordering = ["conversation", "number"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "number"], name="statement_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "rejected"]),
                name="statement_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["conversation", "status"])]

    def __str__(self) -> str:
        return self.body[:60]


class Vote(models.Model):
    """One participant's current vote on one statement (a re-vote replaces it)."""

    class Value(models.IntegerChoices):
        AGREE = 1, _("Agree")
        DISAGREE = -1, _("Disagree")
        PASS = 0, _("Pass / unsure")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(_("vote"), choices=Value.choices)
    voted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "statement"], name="vote_once"),
            models.CheckConstraint(condition=Q(value__in=[-1, 0, 1]), name="vote_value_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}:{self.statement_id}={self.value}"


class AnalysisResult(models.Model):
    """The opinion engine's output for a conversation at one moment, with its parameters.

    Participants and statements are named by their ``number`` (as in the Polis export)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="analyses"
    )
    computed_at = models.DateTimeField(default=timezone.now)
    parameters = models.JSONField(default=dict)
    k = models.PositiveSmallIntegerField(default=0)
    n_participants = models.PositiveIntegerField(default=0)
    n_clustered = models.PositiveIntegerField(default=0)
    n_statements = models.PositiveIntegerField(default=0)
    n_votes = models.PositiveIntegerField(default=0)
    #: {participant number: group}
    labels = models.JSONField(default=dict)
    #: [[participant number, x, y, group (-1 = not clustered)], ...]
    projections = models.JSONField(default=list)
    #: {group: [{"statement": n, "repful_for": "agree", "p_success": ..., ...}]}
    repness = models.JSONField(default=dict)
    #: {"agree": [n, ...], "disagree": [n, ...]}
    consensus = models.JSONField(default=dict)
    #: {statement number: comment priority}
    priority = models.JSONField(default=dict)
    #: {statement number: [[na, nd, ns] per group]}
    group_votes = models.JSONField(default=dict)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-computed_at", "-id"]
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"{self.conversation_id} @ {self.computed_at:%Y-%m-%d %H:%M}"
