"""Core models: people and their roles, organisations, departments, areas, audit log, consent."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    ORGANISATION_MEMBER = "organisation_member", _("Organisation member")
    MODERATOR = "moderator", _("Moderator")
    OFFICIAL = "official", _("City official")
    ADMIN = "admin", _("Administrator")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        from allauth.account.models import EmailAddress

        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        # made by an administrator (createsuperuser): the address counts as verified
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Logs in with an email address; the role says what they may do."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("public name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.RESIDENT)
    home_area = models.ForeignKey(
        "core.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    departments = models.ManyToManyField(
        "core.Department", blank=True, related_name="officials", verbose_name=_("departments")
    )
    organisations = models.ManyToManyField(
        "core.Organisation", blank=True, related_name="members", verbose_name=_("organisations")
    )
    preferred_language = models.CharField(max_length=8, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        """The name others see: the one the person chose, else "Anonymous" (never a part of the
        e-mail address)."""
        if self.anonymised_at:
            return str(_("Former participant"))
        return self.display_name or str(_("Anonymous"))


def in_language(texts: Mapping[str, str], fallback: str = "") -> str:
    """The text of the active language (``"es"`` also for ``"es-ES"``), else ``fallback``."""
    from django.utils.translation import get_language

    language = get_language() or ""
    return texts.get(language) or texts.get(language.split("-")[0]) or fallback


class NamedInLanguages(models.Model):
    """A ``name`` in the site's language and, in ``names``, in the city's other languages
    (``{"es": "Vías públicas"}``); ``label`` is the one to show to the current reader."""

    name = models.CharField(_("name"), max_length=120)
    names = models.JSONField(_("name in other languages"), default=dict, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language, or the default name."""
        return in_language(self.names or {}, self.name)

    def all_names(self) -> dict[str, str]:
        """Every name by language code, the default under the site's language."""
        from django.conf import settings

        return {settings.LANGUAGE_CODE: self.name, **(self.names or {})}


class Department(NamedInLanguages):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    email = models.EmailField(_("contact email"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")


class Organisation(models.Model):
    """A community organisation that speaks for residents."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    area = models.ForeignKey(
        "core.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="organisations"
    )
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("community organisation")
        verbose_name_plural = _("community organisations")

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A district or neighbourhood: its boundary, population and demographics."""

    class Kind(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DISTRICT)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    population = models.PositiveIntegerField(_("population"), default=0)
    # {"age_bands": {"0-14": 0.15, ...}, "income_quintiles": [0.2, 0.2, 0.2, 0.2, 0.2]}
    demographics = models.JSONField(_("demographics"), default=dict, blank=True)
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"))
    centroid_lat = models.FloatField()
    centroid_lon = models.FloatField()
    area_km2 = models.FloatField(default=0)

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.CheckConstraint(
                condition=Q(centroid_lat__gte=-90) & Q(centroid_lat__lte=90),
                name="area_centroid_lat_range",
            ),
            models.CheckConstraint(
                condition=Q(centroid_lon__gte=-180) & Q(centroid_lon__lte=180),
                name="area_centroid_lon_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def density(self) -> float:
        return self.population / self.area_km2 if self.area_km2 else 0.0


class AuditEntry(models.Model):
    """One append-only entry of the public audit log, chained by SHA-256 to the one before."""

    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        "core.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # a partial index below: many entries are the system's or anonymous
    )
    actor_label = models.CharField(max_length=120, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    # not unique: the chain itself is the check (``audit verify``), and an index of random
    # values would cost every write a page of its own
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(
                fields=["actor"], condition=Q(actor__isnull=False), name="core_audit_actor"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}"

    @property
    def actor_role(self) -> str:
        """Who acted, as the public may read it: the actor's role (``official``, ``resident``…),
        ``system``, or ``participant`` for a person whose account is gone. The stored, hashed
        ``actor_label`` (``user:N``) is not shown publicly. Read with
        ``select_related("actor")``."""
        if not self.actor_label.startswith("user:"):
            return "system"
        if self.actor is None:
            return "participant"
        return str(self.actor.role)

    @property
    def actor_role_display(self) -> str:
        labels = {"system": _("System"), "participant": _("Participant"), **dict(Role.choices)}
        return str(labels.get(self.actor_role, self.actor_role))


class Revision(models.Model):
    """A named token that changes whenever what it names changes. A process holding a copy (the
    point → area index of every worker) reads one row to know whether its copy is current."""

    name = models.CharField(primary_key=True, max_length=40)
    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.name} {self.token}"


class ConsentPurpose(models.TextChoices):
    EMAIL_UPDATES = "email_updates", _("Email me updates on what I follow")
    PUBLIC_NAME = "public_name", _("Show my public name next to my contributions")
    RESEARCH_CONTACT = "research_contact", _("Researchers may contact me about my participation")
    DEMOGRAPHICS = "demographics", _("Use my age band and district for representativeness checks")


class ConsentRecord(models.Model):
    user = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=40, choices=ConsentPurpose.choices)
    granted_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_active_consent_per_purpose",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True)
                | Q(withdrawn_at__gte=models.F("granted_at")),
                name="consent_withdrawn_after_granted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} ({'active' if self.active else 'withdrawn'})"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class Notification(models.Model):
    """An in-app notice for one person ("report #12 is fixed"). ``text`` is an English message
    with ``%(name)s`` placeholders, translated when shown; ``params`` fills them, and the keys
    listed in ``params["_translate"]`` are translated too (e.g. a status name). A parameter
    given as ``{language: text}`` (a category's names) shows the active language's text."""

    recipient = models.ForeignKey(
        "core.User", on_delete=models.CASCADE, related_name="notifications"
    )
    verb = models.CharField(max_length=60)  # what happened, e.g. "needs.report_updated"
    text = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="core_notif_unread")]

    def __str__(self) -> str:
        return f"{self.verb} for {self.recipient_id}"

    @property
    def message(self) -> str:
        """The text in the active language, its placeholders filled."""
        from django.conf import settings
        from django.utils.translation import gettext

        params = dict(self.params or {})
        for key in params.pop("_translate", []):
            if isinstance(params.get(key), str) and params[key]:
                params[key] = gettext(params[key])
        for key, value in params.items():
            if isinstance(value, dict) and value:  # a name given in several languages
                default = value.get(settings.LANGUAGE_CODE) or next(iter(value.values()))
                params[key] = in_language(value, default)
        try:
            return gettext(self.text) % params
        except (KeyError, TypeError, ValueError):
            return self.text


def place_key(text: str) -> str:
    """The search form of a name: lower case, accents removed, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


class Place(models.Model):
    """One entry of the gazetteer: a house number on a street, a street, or a named place.

    Imported with ``cocity places import FILE``; residents search it to say where a problem is,
    and a report with no address gets the name of its nearest street."""

    class Kind(models.TextChoices):
        ADDRESS = "address", _("Address")
        STREET = "street", _("Street")
        PLACE = "place", _("Place")

    name = models.CharField(_("name"), max_length=160)
    number = models.CharField(_("number"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ADDRESS)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="places"
    )
    key = models.CharField(max_length=160)  # place_key(name), what searches compare

    class Meta:
        ordering = ["key", "id"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        indexes = [
            models.Index(fields=["key", "number"], name="place_key_number"),
            models.Index(fields=["lat", "lon"], name="place_lat_lon"),  # nearest: a box first
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__gte=-90) & Q(lat__lte=90) & Q(lon__gte=-180) & Q(lon__lte=180),
                name="place_lat_lon_range",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="place_named"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.number}".strip()

    @property
    def label(self) -> str:
        """How the place is written in an address: "Calle Mayor 12" (with its district)."""
        text = f"{self.name} {self.number}".strip()
        return f"{text}, {self.area.name}" if self.area_id and self.area else text


class ScheduledJob(models.Model):
    """The state of one periodic job (``core.scheduling``), shared by every scheduler.

    ``last_slot`` is the slot last claimed: a scheduler claims a slot with one conditional UPDATE
    (``last_slot`` earlier than the slot), so however many app servers tick at once, one of them
    queues the run. The other columns record what happened."""

    name = models.CharField(primary_key=True, max_length=60)
    last_slot = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_result = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def failing(self) -> bool:
        """The last run failed (an error later than the last success)."""
        return self.last_error_at is not None and (
            self.last_success_at is None or self.last_error_at > self.last_success_at
        )
