"""Models of the investment app: pledge campaigns (money and time), matching calls and
offerings. Money is in cents (integers)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class MatchingCall(models.Model):
    """A sponsor's matching pot for a call of campaigns. The rule is published with the call
    and cannot change once the call opens."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPUTED = "computed", _("Match computed")

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    sponsor = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="matching_calls"
    )
    rule = models.JSONField(_("matching rule"))  # cocity.compute.invest.matching.Rule.to_dict()
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    result = models.JSONField(default=dict, blank=True)
    result_sha256 = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("matching call")
        verbose_name_plural = _("matching calls")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="call_closes_after_opening"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Campaign(models.Model):
    """A pledge campaign for a community project: a co-creation initiative, a budget's winning
    project, or a project an organisation proposes."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SECOND_ROUND = "second_round", _("Second round")
        SUCCEEDED = "succeeded", _("Funded")
        FAILED = "failed", _("Missed its minimum")

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    initiative = models.ForeignKey(
        "cocreation.Initiative",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    idea = models.ForeignKey(
        "budgeting.Idea",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("budget project"),
    )
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("proposing organisation"),
    )
    area = models.ForeignKey(
        "core.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns"
    )
    call = models.ForeignKey(
        MatchingCall, null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns"
    )
    goal_minimum = models.PositiveBigIntegerField(_("minimum goal"), default=0)
    goal_optimum = models.PositiveBigIntegerField(_("optimum goal"), default=0)
    deadline = models.DateTimeField(_("deadline"))
    second_round_deadline = models.DateTimeField(_("second round deadline"), null=True, blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(goal_optimum__gte=models.F("goal_minimum")),
                name="campaign_optimum_at_least_minimum",
            ),
            models.CheckConstraint(
                condition=Q(second_round_deadline__isnull=True)
                | Q(second_round_deadline__gt=models.F("deadline")),
                name="campaign_second_round_after_deadline",
            ),
            models.CheckConstraint(
                condition=Q(initiative__isnull=False)
                | Q(idea__isnull=False)
                | Q(organisation__isnull=False),
                name="campaign_has_a_project",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.SECOND_ROUND)


class Pledge(models.Model):
    """A promise of money. Collected through the payment backend; released (or refunded, if it
    was collected) when the campaign misses its minimum."""

    class Status(models.TextChoices):
        PROMISED = "promised", _("Promised")
        COLLECTED = "collected", _("Collected")
        RELEASED = "released", _("Released")
        REFUNDED = "refunded", _("Refunded")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="pledges")
    pledger = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="pledges")
    amount = models.PositiveBigIntegerField(_("amount"))
    named = models.BooleanField(_("show my name in the public ledger"), default=False)
    round = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROMISED)
    payment_reference = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    collected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="pledge_positive")]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.amount} to {self.campaign_id}"


class VolunteerRole(models.Model):
    """A pledge of time: a role with a number of slots on a date."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="roles")
    title = models.CharField(_("title"), max_length=140)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    hours = models.PositiveSmallIntegerField(_("hours"), default=2)
    slots = models.PositiveIntegerField(_("slots"))
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("volunteer role")
        verbose_name_plural = _("volunteer roles")
        constraints = [models.CheckConstraint(condition=Q(slots__gt=0), name="role_has_slots")]

    def __str__(self) -> str:
        return self.title


class Signup(models.Model):
    role = models.ForeignKey(VolunteerRole, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="volunteer_signups")
    named = models.BooleanField(_("show my name in the public ledger"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("volunteer sign-up")
        verbose_name_plural = _("volunteer sign-ups")
        constraints = [
            models.UniqueConstraint(fields=["role", "volunteer"], name="signup_once_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} for {self.role_id}"


class Offering(models.Model):
    """Units in a community asset (a citizen solar plant's panels...), allocated by a published
    rule when oversubscribed: equal split, then a lottery with a published seed."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ALLOCATED = "allocated", _("Allocated")

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="offerings"
    )
    unit_price = models.PositiveBigIntegerField(_("price per unit"))
    units = models.PositiveIntegerField(_("units offered"))
    cap_per_person = models.PositiveIntegerField(_("most units per person"))
    term = models.CharField(_("term"), max_length=200)
    stated_return = models.CharField(_("stated return"), max_length=300)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    seed = models.CharField(_("lottery seed"), max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    allocation = models.JSONField(default=dict, blank=True)
    allocated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        constraints = [
            models.CheckConstraint(
                condition=Q(units__gt=0) & Q(cap_per_person__gt=0), name="offering_has_units"
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="offering_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class OfferingRequest(models.Model):
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="requests")
    applicant = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="offering_requests")
    units = models.PositiveIntegerField(_("units"))
    allocated = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("offering request")
        verbose_name_plural = _("offering requests")
        constraints = [
            models.UniqueConstraint(fields=["offering", "applicant"], name="one_request_each"),
            models.CheckConstraint(condition=Q(units__gt=0), name="request_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.units} of {self.offering_id}"
