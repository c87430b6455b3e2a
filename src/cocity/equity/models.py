"""Models of the equity app: the stored result of the equity computation, the participation
samples of open processes (for the projection to their close) and the alerts they raise."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocity.core.models import in_language


class Snapshot(models.Model):
    """One run of the whole equity computation: every indicator, representativeness and
    inequality figure, as JSON, with when it was computed and how long it took. Pages and the API
    read the latest one."""

    computed_at = models.DateTimeField(default=timezone.now, db_index=True)
    seconds = models.FloatField(default=0)
    since = models.DateTimeField()
    until = models.DateTimeField()
    data = models.JSONField()

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("equity snapshot")
        verbose_name_plural = _("equity snapshots")

    def __str__(self) -> str:
        return f"equity {self.computed_at:%Y-%m-%d %H:%M}"


class ProcessKind(models.TextChoices):
    CONVERSATION = "conversation", _("Conversation")
    VOTE = "vote", _("Budget vote")
    IDEAS = "ideas", _("Call for ideas")


class ParticipationSample(models.Model):
    """How many people of each district had taken part in an open process at one time."""

    kind = models.CharField(max_length=20, choices=ProcessKind.choices)
    process_id = models.PositiveIntegerField()
    taken_at = models.DateTimeField(default=timezone.now)
    counts = models.JSONField()  # {"<area id>": n}
    total = models.PositiveIntegerField()

    class Meta:
        ordering = ["taken_at", "id"]
        indexes = [models.Index(fields=["kind", "process_id", "taken_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.process_id} at {self.taken_at:%Y-%m-%d %H:%M}"


class Alert(models.Model):
    """A district taking part well below its share of the population in an open process (or
    projected to be by its close). Cleared when it no longer holds or the process closes."""

    kind = models.CharField(_("process"), max_length=20, choices=ProcessKind.choices)
    process_id = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    titles = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    area = models.ForeignKey("core.Area", on_delete=models.CASCADE, related_name="equity_alerts")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    participants = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    share = models.FloatField()
    population_share = models.FloatField()
    projected_share = models.FloatField(null=True, blank=True)
    threshold = models.FloatField()
    raised_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cleared_at", "-raised_at", "-id"]
        verbose_name = _("equity alert")
        verbose_name_plural = _("equity alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "process_id", "area"], name="equity_alert_one_per_district"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.process_id}: {self.area_id}"

    @property
    def label(self) -> str:
        return in_language(self.titles or {}, self.title)

    @property
    def active(self) -> bool:
        return self.cleared_at is None

    @property
    def ratio(self) -> float:
        return self.share / self.population_share if self.population_share else 0.0


# open data releases live in their own module (cocity.equity.opendata)
from cocity.equity.opendata.models import Release, ReleaseFile  # noqa: E402, F401
