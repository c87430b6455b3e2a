"""A release is one frozen version of a dataset: its files, the parameters that made them
(resolution, threshold, epsilon …), its privacy note and a checksum over the files."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Release(models.Model):
    dataset = models.SlugField(_("dataset"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("created"))
    #: what made the files: resolution, threshold, period, epsilon … (also in the privacy note)
    parameters = models.JSONField(_("parameters"), default=dict)
    #: the privacy note: threshold, rounding, suppressed cells, privacy budget spent
    privacy = models.JSONField(_("privacy note"), default=dict)
    #: sha256 over the files' names and checksums, in name order
    checksum = models.CharField(_("checksum"), max_length=64)

    class Meta:
        app_label = "equity"
        verbose_name = _("open data release")
        verbose_name_plural = _("open data releases")
        ordering = ("dataset", "-version")
        constraints = [
            models.UniqueConstraint(fields=["dataset", "version"], name="equity_release_version"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="equity_release_v1"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} v{self.version}"


class ReleaseFile(models.Model):
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("file name"), max_length=120)
    media_type = models.CharField(_("media type"), max_length=80)
    content = models.TextField(_("content"))
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    #: the Frictionless table schema of the file (``fields``), empty for non-tabular files
    schema = models.JSONField(default=dict, blank=True)

    class Meta:
        app_label = "equity"
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=["release", "name"], name="equity_releasefile_name"),
        ]

    def __str__(self) -> str:
        return self.name
