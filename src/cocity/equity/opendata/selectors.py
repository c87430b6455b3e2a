"""Reads of open data: the latest release of each dataset, a release and its files."""

from __future__ import annotations

from django.db.models import Max, Prefetch, QuerySet

from cocity.equity.opendata.models import Release, ReleaseFile


def _with_files(qs: QuerySet[Release]) -> QuerySet[Release]:
    return qs.prefetch_related(
        Prefetch("files", queryset=ReleaseFile.objects.defer("content").order_by("name"))
    )


def releases_latest() -> dict[str, Release]:
    """The latest release of every dataset that has one, by dataset slug."""
    latest = Release.objects.values("dataset").annotate(v=Max("version"))
    wanted = {row["dataset"]: row["v"] for row in latest}
    if not wanted:
        return {}
    qs = Release.objects.none()
    for dataset, version in wanted.items():
        qs = qs | Release.objects.filter(dataset=dataset, version=version)
    return {r.dataset: r for r in _with_files(qs)}


def city_bbox() -> tuple[float, float, float, float]:
    """West, south, east, north of the districts' boundaries (0s when there are none)."""
    from shapely.geometry import shape

    from cocity.core.models import Area

    bounds = [
        shape(b).bounds
        for b in Area.objects.filter(kind=Area.Kind.DISTRICT).values_list("boundary", flat=True)
    ]
    if not bounds:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        min(b[0] for b in bounds),
        min(b[1] for b in bounds),
        max(b[2] for b in bounds),
        max(b[3] for b in bounds),
    )


def release_get(dataset: str, version: int | None) -> Release | None:
    qs = _with_files(Release.objects.filter(dataset=dataset))
    if version is None:
        return qs.order_by("-version").first()
    return qs.filter(version=version).first()


def release_file(release: Release, name: str) -> ReleaseFile | None:
    return ReleaseFile.objects.filter(release=release, name=name).first()


def releases_of(dataset: str) -> QuerySet[Release]:
    """A dataset's releases, newest first, with their files' names (not their contents)."""
    return _with_files(Release.objects.filter(dataset=dataset)).order_by("-version")
