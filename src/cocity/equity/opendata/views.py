"""Open data pages and downloads: the list of datasets with their privacy notes, a dataset's
releases, the files, each release's data package and the DCAT catalogue. No JavaScript."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from cocity.equity.opendata import catalog, selectors
from cocity.equity.opendata.datasets import DATASETS
from cocity.equity.opendata.models import Release


def _base(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    latest = selectors.releases_latest()
    rows = [(spec, latest.get(slug)) for slug, spec in DATASETS.items()]
    return render(
        request,
        "equity/opendata/index.html",
        {"rows": rows, "k": settings.COCITY_OPENDATA_MIN_COUNT},
    )


@require_GET
def dataset(request: HttpRequest, dataset: str) -> HttpResponse:
    spec = DATASETS.get(dataset)
    if spec is None:
        raise Http404
    releases = list(selectors.releases_of(dataset)[:20])
    return render(
        request,
        "equity/opendata/dataset.html",
        {"spec": spec, "releases": releases, "latest": releases[0] if releases else None},
    )


@require_GET
def catalog_jsonld(request: HttpRequest) -> HttpResponse:
    doc = catalog.catalog(
        base=_base(request), releases=selectors.releases_latest(), bbox=selectors.city_bbox()
    )
    return HttpResponse(
        json.dumps(doc, ensure_ascii=False, indent=1),
        content_type="application/ld+json; charset=utf-8",
    )


def _download(f: Any) -> HttpResponse:
    charset = "" if f.media_type.endswith("json") else "; charset=utf-8"
    response = HttpResponse(f.content, content_type=f.media_type + charset)
    response["Content-Disposition"] = f'attachment; filename="{f.name}"'
    response["Digest"] = f"sha-256={f.sha256}"
    return response


def _release(dataset: str, version: int | None) -> Release:
    release = selectors.release_get(dataset, version)
    if release is None:
        raise Http404
    return release


@require_GET
def file(request: HttpRequest, dataset: str, version: int, name: str) -> HttpResponse:
    f = selectors.release_file(_release(dataset, version), name)
    if f is None:
        raise Http404
    return _download(f)


@require_GET
def file_latest(request: HttpRequest, dataset: str, name: str) -> HttpResponse:
    f = selectors.release_file(_release(dataset, None), name)
    if f is None:
        raise Http404
    return _download(f)


@require_GET
def datapackage(request: HttpRequest, dataset: str, version: int) -> HttpResponse:
    """A Frictionless data package: the release's files with a table schema per tabular file,
    its parameters and its privacy note."""
    release = _release(dataset, version)
    spec = DATASETS[dataset]
    base = _base(request)
    resources = []
    for f in release.files.all():
        resource: dict[str, Any] = {
            "name": f.name.rsplit(".", 1)[0].lower().replace("_", "-"),
            "path": base + reverse("opendata:file", args=[dataset, release.version, f.name]),
            "mediatype": f.media_type,
            "bytes": f.size,
            "hash": f"sha256:{f.sha256}",
        }
        if f.media_type == "text/csv":
            resource.update(profile="tabular-data-resource", format="csv", schema=f.schema)
        resources.append(resource)
    package = {
        "name": f"cocity-{dataset}",
        "title": str(spec.title),
        "description": str(spec.description),
        "version": f"{release.version}.0.0",
        "created": release.created_at.isoformat(),
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
                "title": "Creative Commons Attribution 4.0",
            }
        ],
        "resources": resources,
        "cocity": {
            "checksum": release.checksum,
            "parameters": release.parameters,
            "privacy": release.privacy,
        },
    }
    return JsonResponse(package, json_dumps_params={"ensure_ascii": False, "indent": 1})
