"""Co-written plans: an official's draft in sections, residents' comments (on a section or a
quoted passage) and amendments (replacement text) with support, officials' decisions with
reasons, and published versions that remember which contributions changed them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class Plan(models.Model):
    """A city plan written with residents. Its sections hold the working text; each published
    version keeps a copy of every section as it was."""

    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    #: Open for comments and amendments.
    open = models.BooleanField(_("open for contributions"), default=True)
    #: The number of the latest published version (1: the draft as imported).
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.title


class PlanSection(models.Model):
    """One section of a plan: its heading and its current (working) text."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField()
    level = models.PositiveSmallIntegerField(default=2)
    heading = models.CharField(_("heading"), max_length=300)
    body = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="one_plan_section_position")
        ]

    def __str__(self) -> str:
        return self.heading


class PlanVersion(models.Model):
    """A published version: every section's heading and text as they were (``sections``: a list
    of ``{"id", "heading", "level", "body"}``) and the note of the official who published it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(blank=True)
    sections = models.JSONField(default=list)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    published_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_plan_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} v{self.number}"


class PlanComment(models.Model):
    """A comment on a section, maybe on a quoted passage of it (the text and where it started
    in the section's text when quoted). An official may mark it as taken into account: the
    next published version then names it among the contributions that changed the plan."""

    section = models.ForeignKey(PlanSection, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        USER, null=True, on_delete=models.SET_NULL, related_name="plan_comments"
    )
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_comments",
        verbose_name=_("on behalf of"),
    )
    body = models.TextField(_("comment"))
    quote = models.TextField(_("passage"), blank=True)
    quote_start = models.PositiveIntegerField(null=True, blank=True)
    #: Its meaningful words (``compute.cocreation.plans.words``, space-separated) and the first
    #: comment of the group of similar comments it joined when written (itself if it started
    #: one), so a section's page counts groups with one query.
    words = models.TextField(blank=True)
    group = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Taken into account by an official; ``applied_in``: the version that carried it.
    addressed = models.BooleanField(default=False)
    applied_in = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    #: Hidden by a moderator after residents flagged it, with the reason its author is told;
    #: others then read only that it was hidden and why.
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["section", "-created_at", "-id"]),
            models.Index(fields=["section", "group"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""),
                name="plan_comment_hidden_has_reason",
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


class Amendment(models.Model):
    """A proposed replacement for a section's text, or for a quoted passage of it."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    section = models.ForeignKey(PlanSection, on_delete=models.CASCADE, related_name="amendments")
    author = models.ForeignKey(
        USER, null=True, on_delete=models.SET_NULL, related_name="plan_amendments"
    )
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_amendments",
        verbose_name=_("on behalf of"),
    )
    #: The passage replaced (empty: the whole section's text) and where it started.
    quote = models.TextField(_("passage"), blank=True)
    quote_start = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(_("replacement text"), blank=True)
    reason = models.TextField(_("why"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    supporters = models.PositiveIntegerField(default=0)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    #: The version that first carried it (set when that version is published).
    applied_in = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["section", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(decided_at__isnull=False),
                name="amendment_decided_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"amendment {self.pk} on section {self.section_id}"


class AmendmentSupport(models.Model):
    amendment = models.ForeignKey(Amendment, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="amendment_supports")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["amendment", "user"], name="one_amendment_support")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.amendment_id}"


class PlanCommentFlag(models.Model):
    """A person's report that a comment breaks the rules, waiting for a moderator while
    ``resolved_at`` is empty (the moderator hid the comment or dismissed the flags)."""

    comment = models.ForeignKey(PlanComment, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="plan_comment_flags")
    reason = models.CharField(_("what is wrong"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_plan_comment_flag")
        ]
        indexes = [
            models.Index(
                fields=["comment"], condition=Q(resolved_at=None), name="plan_flag_open_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} flags {self.comment_id}"


class PlanFollow(models.Model):
    """Someone following a plan: told of each new version and when it opens or closes."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="plan_follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="one_plan_follow")]

    def __str__(self) -> str:
        return f"{self.user_id} follows plan {self.plan_id}"
