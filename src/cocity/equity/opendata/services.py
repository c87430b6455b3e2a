"""Writes of open data: publishing a dataset's new release when its content changed."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cocity.core.services import audit_record
from cocity.equity.opendata.datasets import DATASETS, Build
from cocity.equity.opendata.models import Release, ReleaseFile


def _checksum(build: Build) -> str:
    digest = hashlib.sha256()
    for f in sorted(build.files, key=lambda f: f.name):
        digest.update(f"{f.name}\0{hashlib.sha256(f.content.encode()).hexdigest()}\n".encode())
    return digest.hexdigest()


def release_publish(*, dataset: str, now: datetime | None = None) -> Release | None:
    """Build the dataset's files and store them as its next version; nothing when they are the
    same as the latest release's (or, for a dataset released once per period, when that period
    is already released: its private counts must not be drawn, and paid for, twice). Then only
    the newest ``COCITY_OPENDATA_KEEP_RELEASES`` releases of the dataset are kept
    (``release_prune``)."""
    release = _release_make(dataset=dataset, now=now or timezone.now())
    release_prune(dataset=dataset)
    return release


def release_prune(*, dataset: str, keep: int | None = None) -> list[int]:
    """Delete the releases of ``dataset`` older than its newest ``keep`` (default
    ``COCITY_OPENDATA_KEEP_RELEASES``), their files with them. Returns the versions deleted.
    The newest release keeps the privacy budget's running total (``epsilon_total``), so what
    the deleted ones spent still counts."""
    keep = settings.COCITY_OPENDATA_KEEP_RELEASES if keep is None else keep
    if keep < 1:
        raise ValueError("keep at least one release")
    with transaction.atomic():
        versions = list(
            Release.objects.select_for_update()
            .filter(dataset=dataset)
            .order_by("-version")
            .values_list("version", flat=True)
        )
        old = sorted(versions[keep:])
        if not old:
            return []
        # the files first, in one statement, rather than one cascade per release
        ReleaseFile.objects.filter(release__dataset=dataset, release__version__in=old).delete()
        Release.objects.filter(dataset=dataset, version__in=old).delete()
        audit_record(
            action="opendata.releases_pruned",
            data={"dataset": dataset, "versions": old, "kept": keep},
        )
    return old


def _release_make(*, dataset: str, now: datetime) -> Release | None:
    spec = DATASETS[dataset]
    with transaction.atomic():
        latest = (
            Release.objects.select_for_update().filter(dataset=dataset).order_by("-version").first()
        )
        if spec.period_key is not None:
            # the period is known before building: no noise is drawn for a period released
            period = spec.period_key(now)
            if Release.objects.filter(dataset=dataset, parameters__period_key=period).exists():
                return None
        build = spec.build(now)
        checksum = _checksum(build)
        if latest is not None and latest.checksum == checksum and not build.once_per:
            return None
        parameters = dict(build.parameters)
        if build.once_per:
            parameters["period_key"] = build.once_per
        if build.period:
            parameters["start"], parameters["end"] = (d.isoformat() for d in build.period)
        release = Release.objects.create(
            dataset=dataset,
            version=(latest.version + 1) if latest else 1,
            created_at=now,
            parameters=parameters,
            privacy=build.privacy,
            checksum=checksum,
        )
        ReleaseFile.objects.bulk_create(
            ReleaseFile(
                release=release,
                name=f.name,
                media_type=f.media_type,
                content=f.content,
                sha256=hashlib.sha256(f.content.encode()).hexdigest(),
                size=len(f.content.encode()),
                schema=f.schema,
            )
            for f in build.files
        )
        audit_record(
            action="opendata.release",
            obj=release,
            data={"dataset": dataset, "version": release.version, "checksum": checksum},
        )
    return release


def release_publish_all(*, now: datetime | None = None) -> list[Release]:
    """A new release of every dataset whose content changed."""
    out = []
    for slug in DATASETS:
        release = release_publish(dataset=slug, now=now)
        if release is not None:
            out.append(release)
    return out
