"""The DCAT-AP 3 catalogue (JSON-LD) of the open datasets, also shaped for DCAT-AP-ES: titles,
descriptions and keywords in English and Spanish, controlled vocabularies of the EU Publications
Office and datos.gob.es, a DIR3 publisher, and every release's files as distributions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cocity.equity.opendata.datasets import DATASETS, Dataset
from cocity.equity.opendata.models import Release

LANGUAGES = ("en", "es")
EU = "http://publications.europa.eu/resource/authority/"
SECTOR = "http://datos.gob.es/kos/sector-publico/sector/"
LICENCE = EU + "licence/CC_BY_4_0"
FILE_TYPES = {
    "text/csv": "CSV",
    "application/geo+json": "GEOJSON",
    "text/plain": "TXT",
    "application/json": "JSON",
}
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "adms": "http://www.w3.org/ns/adms#",
    "dcatap": "http://data.europa.eu/r5r/",
}

#: labels of the vocabulary terms used, as their vocabularies give them (DCAT-AP asks for them)
LABELS = {
    SECTOR + "sector-publico": ("Public sector", "Sector público"),
    SECTOR + "hacienda": ("Treasury", "Hacienda"),
    SECTOR + "medio-ambiente": ("Environment", "Medio ambiente"),
    EU + "data-theme/GOVE": ("Government and public sector", "Gobierno y sector público"),
    EU + "data-theme/SOCI": ("Population and society", "Población y sociedad"),
    EU + "data-theme/ECON": ("Economy and finance", "Economía y finanzas"),
    EU + "data-theme/ENVI": ("Environment", "Medio ambiente"),
    EU + "data-theme/REGI": ("Regions and cities", "Regiones y ciudades"),
    "http://datos.gob.es/kos/sector-publico/sector": (
        "Public sector taxonomy of datos.gob.es",
        "Taxonomía de sectores primarios de datos.gob.es",
    ),
    EU + "data-theme": ("Data themes", "Temas de datos"),
    EU + "planned-availability/STABLE": ("Stable", "Estable"),
}
LABEL_PROPERTY = {"skos:Concept": "skos:prefLabel", "skos:ConceptScheme": "dct:title"}

CATALOG_TITLE = _("Open data of %(city)s")
CATALOG_DESCRIPTION = _(
    "Data anyone may reuse about reports, participatory budgets, conversations, sensors and "
    "districts of %(city)s: locations coarsened, small counts left out, no names."
)


def _texts(text: Promise | str, **values: Any) -> list[dict[str, str]]:
    out = []
    for lang in LANGUAGES:
        with translation.override(lang):
            value = str(text) % values if values else str(text)
        out.append({"@value": value, "@language": lang})
    return out


def _ref(iri: str) -> dict[str, str]:
    return {"@id": iri}


def _date(moment: datetime | str) -> dict[str, str]:
    value = moment if isinstance(moment, str) else moment.date().isoformat()
    return {"@value": value, "@type": "xsd:date"}


def _url(base: str, route: str, **kwargs: Any) -> str:
    return base + reverse(f"opendata:{route}", kwargs=kwargs)


FILE_DESCRIPTION = _("Version %(version)s of the dataset “%(title)s”: the file %(file)s.")


def _file_description(spec: Dataset, release: Release, name: str) -> list[dict[str, str]]:
    out = []
    for lang in LANGUAGES:
        with translation.override(lang):
            values = {"version": release.version, "title": str(spec.title), "file": name}
            out.append({"@value": str(FILE_DESCRIPTION) % values, "@language": lang})
    return out


def _distribution(base: str, spec: Dataset, release: Release, f: Any) -> dict[str, Any]:
    url = _url(base, "file", dataset=release.dataset, version=release.version, name=f.name)
    return {
        "@id": url + "#distribution",
        "@type": "dcat:Distribution",
        "dct:title": [{"@value": f.name, "@language": lang} for lang in LANGUAGES],
        "dct:description": _file_description(spec, release, f.name),
        "dcatap:availability": _ref(EU + "planned-availability/STABLE"),
        "dcat:accessURL": _ref(url),
        "dcat:downloadURL": _ref(url),
        "dcat:mediaType": _ref("https://www.iana.org/assignments/media-types/" + f.media_type),
        "dct:format": _ref(EU + "file-type/" + FILE_TYPES[f.media_type]),
        "dct:license": _ref(LICENCE),
        "dct:issued": _date(release.created_at),
        "dcat:byteSize": {"@value": str(f.size), "@type": "xsd:nonNegativeInteger"},
    }


def _package_distribution(base: str, spec: Dataset, release: Release) -> dict[str, Any]:
    url = _url(base, "datapackage", dataset=release.dataset, version=release.version)
    return {
        "@id": url + "#distribution",
        "@type": "dcat:Distribution",
        "dct:title": _texts(_("Data package: files, table schemas and privacy note")),
        "dct:description": _file_description(spec, release, "datapackage.json"),
        "dcatap:availability": _ref(EU + "planned-availability/STABLE"),
        "dcat:accessURL": _ref(url),
        "dcat:downloadURL": _ref(url),
        "dcat:mediaType": _ref("https://www.iana.org/assignments/media-types/application/json"),
        "dct:format": _ref(EU + "file-type/JSON"),
        "dct:license": _ref(LICENCE),
        "dct:issued": _date(release.created_at),
    }


def _location(bbox: tuple[float, float, float, float]) -> dict[str, Any]:
    """The city's extent (the districts' bounding box, to 3 decimals) as a dct:Location."""
    w, s, e, n = (f"{v:.3f}" for v in bbox)
    wkt = f"POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))"
    return {
        "@type": "dct:Location",
        "dcat:bbox": {"@value": wkt, "@type": "http://www.opengis.net/ont/geosparql#wktLiteral"},
    }


def _dataset(
    base: str,
    spec: Dataset,
    release: Release,
    publisher: str,
    bbox: tuple[float, float, float, float],
) -> dict[str, Any]:
    iri = _url(base, "dataset", dataset=spec.slug)
    node: dict[str, Any] = {
        "@id": iri,
        "@type": "dcat:Dataset",
        "dct:identifier": iri,
        "dct:title": _texts(spec.title),
        "dct:description": _texts(spec.description),
        "dcat:keyword": [k for word in spec.keywords for k in _texts(word)],
        "dcat:theme": [_ref(SECTOR + s) for s in spec.sectors]
        + [_ref(EU + "data-theme/" + t) for t in spec.eu_themes],
        "dct:publisher": _ref(publisher),
        "dct:language": [_ref(EU + "language/ENG"), _ref(EU + "language/SPA")],
        "dct:accrualPeriodicity": _ref(EU + "frequency/" + spec.frequency),
        "dct:spatial": _location(bbox),
        "dct:issued": _date(release.created_at),
        "dct:modified": _date(release.created_at),
        "dcat:version": str(release.version),
        "dcat:landingPage": _ref(iri),
        "dcat:contactPoint": {
            "@type": ["vcard:Kind", "vcard:Organization"],
            "vcard:fn": _texts(_("City of %(city)s"), city=settings.COCITY_NAME),
            "vcard:hasEmail": _ref("mailto:" + settings.CONTACT_EMAIL),
            "vcard:organization-name": _texts(_("City of %(city)s"), city=settings.COCITY_NAME),
            "vcard:hasURL": _ref(_url(base, "index")),
        },
        "dcat:distribution": [_distribution(base, spec, release, f) for f in release.files.all()]
        + [_package_distribution(base, spec, release)],
    }
    start, end = release.parameters.get("start"), release.parameters.get("end")
    if start and end:
        node["dct:temporal"] = {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": _date(start),
            "dcat:endDate": _date(end),
        }
    return node


def catalog(
    *, base: str, releases: dict[str, Release], bbox: tuple[float, float, float, float]
) -> dict[str, Any]:
    """The catalogue as a JSON-LD document; ``base`` is the site's scheme and host, ``bbox`` the
    city's extent (west, south, east, north)."""
    publisher = settings.COCITY_OPENDATA_PUBLISHER
    city = settings.COCITY_NAME
    datasets = [
        _dataset(base, spec, releases[slug], publisher, bbox)
        for slug, spec in DATASETS.items()
        if slug in releases
    ]
    created = [r.created_at for r in releases.values()]
    catalog_node: dict[str, Any] = {
        "@id": _url(base, "catalog"),
        "@type": "dcat:Catalog",
        "dct:title": _texts(CATALOG_TITLE, city=city),
        "dct:description": _texts(CATALOG_DESCRIPTION, city=city),
        "dct:publisher": _ref(publisher),
        "foaf:homepage": _ref(_url(base, "index")),
        "dcat:themeTaxonomy": [
            _ref("http://datos.gob.es/kos/sector-publico/sector"),
            _ref(EU + "data-theme"),
        ],
        "dct:language": [_ref(EU + "language/ENG"), _ref(EU + "language/SPA")],
        "dct:license": _ref(LICENCE),
        "dct:spatial": _location(bbox),
        "dcat:dataset": datasets,
    }
    if created:
        catalog_node["dct:issued"] = _date(min(created))
        catalog_node["dct:modified"] = _date(max(created))
    agent = {
        "@id": publisher,
        "@type": ["foaf:Agent", "foaf:Organization"],
        "foaf:name": _texts(_("City of %(city)s"), city=city),
    }
    graph = [catalog_node, agent]
    return {"@context": CONTEXT, "@graph": graph + _typed_references(graph)}


#: the class each referenced IRI has in its own vocabulary, stated in the catalogue so that a
#: validator needs no vocabulary from the network (DCAT-AP's shapes check the classes)
RANGES = {
    "dct:accrualPeriodicity": "dct:Frequency",
    "dct:format": "dct:MediaTypeOrExtent",
    "dct:language": "dct:LinguisticSystem",
    "dct:license": "dct:LicenseDocument",
    "dct:spatial": "dct:Location",
    "dcat:accessURL": "rdfs:Resource",
    "dcat:downloadURL": "rdfs:Resource",
    "dcat:landingPage": "foaf:Document",
    "foaf:homepage": "foaf:Document",
    "dcat:mediaType": "dct:MediaType",
    "dcat:theme": "skos:Concept",
    "dcat:themeTaxonomy": "skos:ConceptScheme",
    "dcatap:availability": "skos:Concept",
}


def _typed_references(nodes: list[Any]) -> list[dict[str, Any]]:
    types: dict[str, set[str]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                for item in value if isinstance(value, list) else [value]:
                    if key in RANGES and isinstance(item, dict) and set(item) == {"@id"}:
                        types.setdefault(item["@id"], set()).add(RANGES[key])
                    walk(item)

    walk(nodes)
    out = []
    for iri, kinds in sorted(types.items()):
        node: dict[str, Any] = {"@id": iri, "@type": sorted(kinds)}
        for kind in kinds & set(LABEL_PROPERTY):
            node[LABEL_PROPERTY[kind]] = [
                {"@value": label, "@language": lang}
                for lang, label in zip(LANGUAGES, LABELS[iri], strict=True)
            ]
        out.append(node)
    return out
