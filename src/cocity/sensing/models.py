"""Sensors and their readings.

A sensor is an NGSI-LD entity of one type (``AirQualityObserved``, ``NoiseLevelObserved``); each
numeric quantity it reports is stored as a reading in one narrow table, exactly once per
(sensor, quantity, observed time): a redelivered message or a repeated upsert changes nothing."""

from __future__ import annotations

import hashlib

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cocity.compute.sensing.quantities import QUANTITIES


def sensor_key_hash(key: str) -> str:
    """What a sensor API key is stored as: its hex SHA-256 (the key itself is shown once)."""
    return hashlib.sha256(key.encode()).hexdigest()


class SensorKey(models.Model):
    """An API key for a data provider (a gateway, a broker, a steward's script). Only its
    SHA-256 is stored. ``may_register``: devices unknown to cocity are registered on first use."""

    name = models.CharField(_("name"), max_length=120)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    may_register = models.BooleanField(_("may register devices"), default=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sensor key")
        verbose_name_plural = _("sensor keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SensorType(models.TextChoices):
    AIR_QUALITY = "AirQualityObserved", _("Air quality")
    NOISE = "NoiseLevelObserved", _("Noise")


class SensorStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    FAULTY = "faulty", _("Faulty")


class Sensor(models.Model):
    device_id = models.CharField(_("device id"), max_length=120, unique=True)
    entity_type = models.CharField(_("type"), max_length=40, choices=SensorType.choices)
    name = models.CharField(_("name"), max_length=120, blank=True)
    # the key that registered it: the provider that answers for its data
    owner = models.ForeignKey(
        SensorKey,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sensors",
        verbose_name=_("owner"),
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    area = models.ForeignKey(
        "core.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="sensors"
    )
    # {"pm25": {"unitCode": "GQ", "value": 12.0, "observedAt": "2026-…Z"}, ...}: each quantity
    # it has reported, its UN/CEFACT unit code and its latest reading (kept here so an entity is
    # rendered, and matched by q, without a query per attribute)
    quantities = models.JSONField(_("quantities"), default=dict, blank=True)
    # the entity's other NGSI-LD attributes, as sent (normalized form)
    attrs = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=SensorStatus.choices, default=SensorStatus.ACTIVE
    )
    quality_score = models.FloatField(_("quality score"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["device_id"]
        verbose_name = _("sensor")
        verbose_name_plural = _("sensors")
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | (Q(lat__gte=-90) & Q(lat__lte=90)),
                name="sensor_lat_range",
            ),
            models.CheckConstraint(
                condition=Q(lon__isnull=True) | (Q(lon__gte=-180) & Q(lon__lte=180)),
                name="sensor_lon_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.device_id

    @property
    def entity_id(self) -> str:
        return f"urn:ngsi-ld:{self.entity_type}:{self.device_id}"


class Reading(models.Model):
    """One value of one quantity at one time. ``flags``: bits of
    ``cocity.compute.sensing.quality`` (range, stuck, spike, gap), set by the quality checks."""

    sensor = models.ForeignKey(
        Sensor, on_delete=models.CASCADE, related_name="readings", db_index=False
    )
    quantity = models.CharField(max_length=40)
    observed_at = models.DateTimeField()
    value = models.FloatField()
    flags = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            # exactly-once storage; its index also serves a sensor's time ranges
            models.UniqueConstraint(
                fields=["sensor", "quantity", "observed_at"], name="reading_once"
            ),
        ]
        indexes = [models.Index(fields=["observed_at"], name="reading_time")]

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.quantity}={self.value} @ {self.observed_at:%Y-%m-%d %H:%M}"


class Subscription(models.Model):
    """An NGSI-LD subscription (ETSI GS CIM 009 §5.2.12): what to watch and where to POST
    notifications. ``doc`` keeps it as sent (without ``id``/``type``/``@context``), so it is
    returned as the client wrote it; the columns are what the notifier needs."""

    sub_id = models.CharField(max_length=200, unique=True)
    key = models.ForeignKey(SensorKey, on_delete=models.CASCADE, related_name="subscriptions")
    doc = models.JSONField(default=dict)
    endpoint = models.URLField(max_length=500)
    is_active = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    throttling = models.PositiveIntegerField(default=0)  # seconds between notifications
    time_interval = models.PositiveIntegerField(default=0)  # seconds; periodic when > 0
    times_sent = models.PositiveIntegerField(default=0)
    times_failed = models.PositiveIntegerField(default=0)
    last_notification = models.DateTimeField(null=True, blank=True)
    last_success = models.DateTimeField(null=True, blank=True)
    last_failure = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.sub_id


class EvidenceRule(models.Model):
    """A threshold that turns readings into evidence of a need: in a district, on at least
    ``min_days`` of the last ``window_days``, the statistic of the quantity is above
    ``threshold`` (e.g. PM2.5 daily mean above the WHO guideline of 15 µg/m³)."""

    class Statistic(models.TextChoices):
        DAILY_MEAN = "daily_mean", _("Daily mean")
        NIGHT_MEAN = "night_mean", _("Night mean (22:00 to 06:00)")

    name = models.CharField(_("name"), max_length=120)
    quantity = models.CharField(_("quantity"), max_length=40, choices=[(q, q) for q in QUANTITIES])
    statistic = models.CharField(
        _("statistic"), max_length=20, choices=Statistic.choices, default=Statistic.DAILY_MEAN
    )
    threshold = models.FloatField(_("threshold"))
    min_days = models.PositiveSmallIntegerField(_("days above the threshold"), default=3)
    window_days = models.PositiveSmallIntegerField(_("days looked at"), default=14)
    category = models.ForeignKey(
        "needs.ServiceCategory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("category of the need"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("evidence rule")
        verbose_name_plural = _("evidence rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_days__gte=1) & Q(window_days__gte=models.F("min_days")),
                name="evidence_rule_days",
            )
        ]

    def __str__(self) -> str:
        return self.name


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an official")
    CONFIRMED = "confirmed", _("Confirmed as a new need")
    ATTACHED = "attached", _("Attached to an existing need")
    DISMISSED = "dismissed", _("Dismissed")


class EvidenceSuggestion(models.Model):
    """A rule held in a district: a suggested need, until an official confirms it (a new needs
    report), attaches it to an existing report, or dismisses it."""

    rule = models.ForeignKey(EvidenceRule, on_delete=models.CASCADE, related_name="suggestions")
    area = models.ForeignKey("core.Area", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=20, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    # [["2026-03-01", 21.4], ...]: the days above the threshold and their value
    days = models.JSONField(default=list)
    peak = models.FloatField()
    report = models.ForeignKey(
        "needs.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "area"],
                condition=Q(status="open"),
                name="evidence_one_open_per_rule_area",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.area_id}"
