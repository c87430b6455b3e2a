"""Needs: service categories, reports of problems and needs, their public timeline, supporters,
followers, and the keys of Open311 client apps."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cocity.core.models import NamedInLanguages, in_language
from cocity.needs.durations import MonthNumber, hours_bucket

H3_RESOLUTION = 9


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("Open311 / API")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")
    PAPER = "paper", _("Paper")
    ORGANISATION = "organisation", _("Community organisation")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    SCHEDULED = "scheduled", _("Scheduled")
    FIXED = "fixed", _("Fixed")
    DUPLICATE = "duplicate", _("Duplicate")
    NOT_OUR_RESPONSIBILITY = "not_our_responsibility", _("Not our responsibility")
    NO_FURTHER_ACTION = "no_further_action", _("No further action")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset(
    {Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.SCHEDULED}
)


def open311_status(status: str) -> str:
    """Every cocity status maps to Open311's two: ``open`` or ``closed``."""
    return "open" if status in OPEN_STATUSES else "closed"


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


# the longest category description in another language (the default one is a TextField; the
# forms hold it to the same length)
DESCRIPTION_MAX = 2000


class ServiceCategory(NamedInLanguages):
    """What can be reported (an Open311 *service*), and which department answers it.

    Like its name, its description, group and keywords have a default (in the site's language)
    and, in a JSON object beside it, their text in the city's other languages
    (``descriptions = {"es": "…"}``); the ``*_label`` properties give the reader's language,
    falling back to the default."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    description = models.TextField(
        _("description"), blank=True, validators=[MaxLengthValidator(DESCRIPTION_MAX)]
    )
    descriptions = models.JSONField(_("description in other languages"), default=dict, blank=True)
    group = models.CharField(_("group"), max_length=80, blank=True)
    groups = models.JSONField(_("group in other languages"), default=dict, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    keywords_in_languages = models.JSONField(
        _("keywords in other languages"), default=dict, blank=True
    )
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="service_categories"
    )
    expected_days = models.PositiveSmallIntegerField(_("expected days to answer"), default=7)
    # Open311 attribute definitions: [{"code", "datatype", "description", "required",
    # "order", "variable", "datatype_description", "values": [{"key", "name"}]}]
    attributes = models.JSONField(_("Open311 attributes"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")

    @property
    def has_metadata(self) -> bool:
        return bool(self.attributes)

    @property
    def description_label(self) -> str:
        """The description in the active language, or the default one."""
        return in_language(self.descriptions or {}, self.description)

    @property
    def group_label(self) -> str:
        """The group in the active language, or the default one."""
        return in_language(self.groups or {}, self.group)

    @property
    def keywords_label(self) -> str:
        """The keywords in the active language, or the default ones."""
        return in_language(self.keywords_in_languages or {}, self.keywords)

    def all_descriptions(self) -> dict[str, str]:
        """Every description there is, by language code (the default under the site's
        language)."""
        texts = {settings.LANGUAGE_CODE: self.description, **(self.descriptions or {})}
        return {language: text for language, text in texts.items() if text}

    def all_groups(self) -> dict[str, str]:
        """Every group name there is, by language code (the default under the site's
        language)."""
        texts = {settings.LANGUAGE_CODE: self.group, **(self.groups or {})}
        return {language: text for language, text in texts.items() if text}

    def all_keywords(self) -> set[str]:
        """Every keyword in every language, in lower case (the SMS channel matches them)."""
        texts = [self.keywords, *(self.keywords_in_languages or {}).values()]
        return {word.strip().lower() for text in texts for word in text.split(",") if word.strip()}


class ResponseTemplate(models.Model):
    """A ready-made public answer officials pick when they change a report's status, one row per
    language (the same ``code`` in each). Officials edit them at ``/needs/templates/``."""

    code = models.SlugField(_("code"), max_length=40)
    language = models.CharField(_("language"), max_length=10)  # one of settings.LANGUAGES
    title = models.CharField(_("title"), max_length=80)
    text = models.TextField(_("text"), max_length=4000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["language", "title", "id"]
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")
        constraints = [
            models.UniqueConstraint(fields=["code", "language"], name="needs_template_code_lang"),
            models.CheckConstraint(
                condition=~Q(title="") & ~Q(text="") & ~Q(code=""), name="needs_template_filled"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


def open311_key_hash(key: str) -> str:
    """What an Open311 key is stored as: its hex SHA-256 (the key itself is shown once)."""
    return hashlib.sha256(key.encode()).hexdigest()


class Open311Key(models.Model):
    """An API key issued to an Open311 client app. Only its SHA-256 is stored."""

    name = models.CharField(_("name"), max_length=120)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)
    # the client app asks its users, before sending their ``email``, whether they agree to
    # receive e-mail updates on the report: only then are updates sent to that address
    email_consent = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Report(models.Model):
    """A problem or need reported by a resident, on any channel."""

    # every index is one more page each submission writes (bench/needs): the foreign keys whose
    # lookups the composite indexes below already serve have none of their own
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, related_name="reports", db_index=False
    )
    description = models.TextField(_("description"))
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    # SET_NULL: a report outlives a redrawn map; its lat/lon can be located again
    area = models.ForeignKey(
        "core.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    h3_cell = models.CharField(max_length=16)
    address = models.CharField(_("address"), max_length=200, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs_reports",
        db_index=False,  # a partial index below: most reports have no account behind them
    )
    anonymous = models.BooleanField(_("hide my name"), default=False)
    tracking_token = models.CharField(max_length=32, unique=True)
    contact_email = models.EmailField(blank=True)
    # the language of the request that gave ``contact_email`` (Open311's ``locale`` or
    # Accept-Language), so e-mails to that address come in it; "" = the site's language
    contact_language = models.CharField(max_length=10, blank=True, default="")
    # SMS and phone reports: the number only as a keyed hash (to link a person's reports) and
    # its last four digits (for a human to recognise it)
    phone_hash = models.CharField(max_length=64, blank=True)
    phone_last4 = models.CharField(max_length=4, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.WEB)
    # no index: nothing looks reports up by key, and keys are revoked, never deleted
    api_key = models.ForeignKey(
        Open311Key,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=32, choices=Status.choices, default=Status.SUBMITTED
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    department = models.ForeignKey(
        "core.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        db_index=False,
    )
    attributes = models.JSONField(default=dict, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        db_index=False,  # a partial index below: few reports are duplicates
    )
    support_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    expected_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # when the report first left "submitted" (acknowledged, scheduled, closed, …): the time to a
    # first response, kept here so that measuring it needs no scan of the timeline
    first_response_at = models.DateTimeField(null=True, blank=True)
    # kept by the database from the times above, for the equity aggregates (needs/equity.py):
    # grouping on plain columns lets the database see how few values they take (a dozen months,
    # a hundred-odd buckets) and count each group in one pass, where grouping on the same
    # expressions computed in the query would sort millions of rows
    created_month = models.GeneratedField(
        expression=MonthNumber("created_at"), output_field=models.IntegerField(), db_persist=True
    )
    response_bucket = models.GeneratedField(
        expression=hours_bucket("created_at", "first_response_at"),
        output_field=models.IntegerField(null=True),
        db_persist=True,
    )
    resolution_bucket = models.GeneratedField(
        expression=hours_bucket("created_at", "closed_at"),
        output_field=models.IntegerField(null=True),
        db_persist=True,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            models.Index(fields=["category", "created_at"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["department", "status"]),
            # the nearby-duplicate lookup: a category's open reports in a few cells, with their
            # points, from the index alone
            models.Index(
                fields=["category", "h3_cell", "status", "lat", "lon"], name="needs_report_nearby"
            ),
            # the map aggregation: counts per cell of the points in a viewport, from the index
            # alone (also serves any lookup by cell)
            models.Index(fields=["h3_cell", "lat", "lon"], name="needs_report_cell_point"),
            models.Index(
                fields=["reporter"],
                condition=Q(reporter__isnull=False),
                name="needs_report_reporter",
            ),
            models.Index(
                fields=["duplicate_of"],
                condition=Q(duplicate_of__isnull=False),
                name="needs_report_duplicate_of",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__gte=-90) & Q(lat__lte=90), name="report_lat_range"
            ),
            models.CheckConstraint(
                condition=Q(lon__gte=-180) & Q(lon__lte=180), name="report_lon_range"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="report_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__gte=1) & Q(priority__lte=4), name="report_priority_range"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def open311_status(self) -> str:
        return open311_status(self.status)

    @property
    def reporter_name(self) -> str:
        if self.anonymous or self.reporter is None:
            return str(_("Anonymous"))
        return self.reporter.public_name


class ReportUpdate(models.Model):
    """One entry of a report's timeline: a public update (maybe with a status change) or an
    internal note that only officials see."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public = models.BooleanField(default=True)
    text = models.TextField(blank=True)
    old_status = models.CharField(max_length=32, choices=Status.choices, blank=True)
    new_status = models.CharField(max_length=32, choices=Status.choices, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("report update")
        verbose_name_plural = _("report updates")
        indexes = [models.Index(fields=["report", "created_at"])]

    def __str__(self) -> str:
        return f"update {self.pk} of report {self.report_id}"


class ReportSupport(models.Model):
    """A "me too" from a person."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="needs_supports"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="one_support_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.report_id}"


class ReportFollow(models.Model):
    """A person who is told about every public update of a report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="needs_follows"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="one_follow_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.report_id}"


class SubmissionKey(models.Model):
    """An ``Idempotency-Key`` (API) or one-time form token (web) already used: sending the
    same submission again returns the first report instead of filing a second."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=120)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    #: SHA-256 of what was submitted with the key ("" for keys stored before it was kept): the
    #: same key with another payload is refused
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="one_report_per_submission_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class ReportPhoto(models.Model):
    """A photo of a report (at most three), validated and re-encoded by ``photos.prepare_photo``:
    the stored file holds only pixels, no EXIF."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    position = models.PositiveSmallIntegerField(default=0)
    image = models.FileField(max_length=200)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "position"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="one_photo_per_position"),
            # three photos per report at most: positions 0, 1, 2
            models.CheckConstraint(condition=Q(position__lte=2), name="at_most_three_photos"),
        ]

    def __str__(self) -> str:
        return f"photo {self.position} of report {self.report_id}"
