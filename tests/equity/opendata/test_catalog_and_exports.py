"""The demo city's catalogue validates against DCAT-AP 3 and DCAT-AP-ES, lists every dataset, and
no file it links to holds an exact location, a name, an e-mail address or a cell below k."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from cocity.equity.opendata.datasets import DATASETS


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_catalogue_validates_and_no_export_exposes_anyone(scan: Any, shacl: Any) -> None:
    from cocity.core.models import User
    from cocity.core.seeding import run_all
    from cocity.needs.models import Report

    run_all(log=lambda *_: None)  # its last seeder releases every dataset
    client = Client()
    response = client.get("/open-data/catalog.jsonld")
    assert response["Content-Type"].startswith("application/ld+json")
    document = response.json()
    assert shacl(document) == {"DCAT-AP 3.0.0": [], "DCAT-AP-ES 1.0.0": []}

    catalog = next(n for n in document["@graph"] if n.get("@type") == "dcat:Catalog")
    listed = {d["@id"].rstrip("/").rsplit("/", 1)[1] for d in catalog["dcat:dataset"]}
    assert listed == set(DATASETS)
    titles = {t["@language"] for d in catalog["dcat:dataset"] for t in d["dct:title"]}
    assert titles == {"en", "es"}

    files = {}
    for dataset in catalog["dcat:dataset"]:
        for distribution in dataset["dcat:distribution"]:
            url = distribution["dcat:downloadURL"]["@id"]
            download = client.get(urlsplit(url).path)
            assert download.status_code == 200, url
            files[url] = download.content.decode()
    assert sum(".pb" in u for u in files) >= 1
    assert sum("votes.csv" in u for u in files) >= 1
    reports = next(text for url, text in files.items() if url.endswith("/reports.geojson"))
    assert reports.count('"Point"') > 20  # the scan has cells to look at

    words = set()
    for email, name in User.objects.values_list("email", "display_name"):
        words.add(email)
        if len(name) >= 5:
            words.add(name)
    words.update(e for e in Report.objects.values_list("contact_email", flat=True) if e)
    points = list(Report.objects.values_list("lat", "lon"))
    problems = scan(
        {url.rsplit("/", 1)[1] + url: text for url, text in files.items()},
        resolution=settings.COCITY_OPENDATA_H3_RESOLUTION,
        k=settings.COCITY_OPENDATA_MIN_COUNT,
        real_points=points,
        words=sorted(words),
    )
    assert problems == []
