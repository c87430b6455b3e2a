"""Photos of reports: validation and re-encoding (EXIF gone), all-or-nothing storage, and the
three ways in (web form, REST API, Open311 ``media``). Images are built in memory with Pillow."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image
from rest_framework.authtoken.models import Token

from cocity.core.errors import DomainError
from cocity.needs import photos, services
from cocity.needs.models import Report, ReportPhoto

from .test_open311 import BASE, errors, parse, requests_of
from .test_views import form_data, login

pytestmark = pytest.mark.django_db


def image_bytes(
    size: tuple[int, int] = (640, 480),
    fmt: str = "JPEG",
    mode: str = "RGB",
    color: Any = (200, 40, 40),
    gps: bool = False,
) -> bytes:
    image = Image.new(mode, size, color)
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[ExifTags.Base.Make] = "SpyCam"
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = "N"
        info[ExifTags.GPS.GPSLatitude] = (40.0, 57.0, 54.0)
        info[ExifTags.GPS.GPSLongitudeRef] = "W"
        info[ExifTags.GPS.GPSLongitude] = (5.0, 41.0, 42.0)
        image.save(out, format=fmt, exif=exif)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def upload(data: bytes | None = None, name: str = "photo.jpg", **kwargs: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else image_bytes(**kwargs))


FAKE = b"%PDF-1.7\n" + b"not an image at all " * 50


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """Run the on-commit callbacks (photo files are written after the commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- prepare_photo ------------------------------------------------------------------------------


def test_gps_exif_is_gone_after_reencoding() -> None:
    original = image_bytes(gps=True)
    before = Image.open(io.BytesIO(original)).getexif()
    assert before.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert before[ExifTags.Base.Make] == "SpyCam"
    prepared = photos.prepare_photo(upload(original))
    assert prepared.content_type == "image/jpeg"
    assert prepared.extension == "jpg"
    after = Image.open(io.BytesIO(prepared.content))
    assert after.format == "JPEG"
    assert dict(after.getexif()) == {}
    assert after.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert b"Exif" not in prepared.content
    assert b"SpyCam" not in prepared.content
    assert after.size == (640, 480)


def test_large_photos_are_downscaled_and_transparency_kept_as_png() -> None:
    prepared = photos.prepare_photo(upload(size=(4000, 1000)))
    assert (prepared.width, prepared.height) == (2048, 512)
    assert Image.open(io.BytesIO(prepared.content)).size == (2048, 512)
    png = photos.prepare_photo(
        upload(image_bytes(fmt="PNG", mode="RGBA", color=(0, 0, 0, 0)), name="a.png")
    )
    assert png.content_type == "image/png"
    reopened = Image.open(io.BytesIO(png.content))
    assert reopened.format == "PNG"
    assert reopened.mode == "RGBA"
    assert photos.prepare_photo(upload(image_bytes(fmt="WEBP"), name="b.webp")).extension == "jpg"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (FAKE, "invalid_photo"),
        (b"", "invalid_photo"),
        (image_bytes()[:200], "invalid_photo"),  # truncated JPEG
        (b"GIF89a" + b"\x00" * 20, "invalid_photo"),
    ],
)
def test_non_images_are_refused_clearly(data: bytes, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        photos.prepare_photo(upload(data, name="holiday.jpg"))
    assert caught.value.code == code
    assert "“holiday.jpg” is not a photo we can read" in caught.value.message
    assert caught.value.fields == {"photos": ["Not an image."]}


def test_oversize_files_are_refused_before_decoding() -> None:
    big = upload(b"\xff\xd8" + b"\x00" * (photos.MAX_BYTES))
    assert big.size > photos.MAX_BYTES
    with pytest.raises(DomainError) as caught:
        photos.prepare_photo(big)
    assert caught.value.code == "photo_too_large"
    assert "larger than 8 MB" in caught.value.message

    class Unsized(io.BytesIO):  # a stream that does not say its size
        name = "stream.jpg"

    with pytest.raises(DomainError) as caught:
        photos.prepare_photo(Unsized(b"\x00" * (photos.MAX_BYTES + 1)))
    assert caught.value.code == "photo_too_large"


def test_decompression_bombs_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photos, "MAX_PIXELS", 100 * 100)
    with pytest.raises(DomainError) as caught:
        photos.prepare_photo(upload(size=(200, 200)))
    assert caught.value.code == "invalid_photo"


def test_at_most_three_photos() -> None:
    with pytest.raises(DomainError) as caught:
        photos.prepare_photos([upload() for _ in range(4)])
    assert caught.value.code == "too_many_photos"
    assert len(photos.prepare_photos([upload(), None, upload()])) == 2


# --- the service: all or nothing --------------------------------------------------------------


def test_report_with_three_photos_stores_clean_files(
    needs: dict[str, Any], submit: Callable[..., Report], media: Path, commit: Any
) -> None:
    with commit():
        report = submit(photos=[upload(gps=True), upload(size=(3000, 3000)), upload()])
    rows = list(ReportPhoto.objects.filter(report=report))
    assert [r.position for r in rows] == [0, 1, 2]
    assert [(r.width, r.height) for r in rows] == [(640, 480), (2048, 2048), (640, 480)]
    files = stored_files(media)
    assert len(files) == 3
    for row in rows:
        path = media / row.image.name
        assert path in files
        assert row.image.name.startswith("needs/photos/")
        assert row.image.name.endswith(".jpg")
        assert row.size == path.stat().st_size
        assert dict(Image.open(path).getexif()) == {}
        assert row.image.url == f"/media/{row.image.name}"


def test_an_invalid_third_photo_leaves_no_rows_and_no_files(
    needs: dict[str, Any], submit: Callable[..., Report], media: Path, commit: Any
) -> None:
    before = ReportPhoto.objects.count(), Report.objects.count()
    with commit(), pytest.raises(DomainError) as caught:
        submit(photos=[upload(), upload(), upload(FAKE, name="third.jpg")])
    assert caught.value.code == "invalid_photo"
    assert "third.jpg" in caught.value.message
    assert (ReportPhoto.objects.count(), Report.objects.count()) == before == (0, 0)
    assert stored_files(media) == []


def test_a_failure_after_the_photos_were_accepted_writes_no_files(
    needs: dict[str, Any],
    submit: Callable[..., Report],
    media: Path,
    commit: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services.reports, "audit_record", broken)
    with commit() as callbacks, pytest.raises(RuntimeError):
        submit(photos=[upload(), upload()])
    assert callbacks == []  # rolled back: the file writes were never scheduled to run
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0
    assert stored_files(media) == []


def test_a_photo_the_disk_refuses_is_dropped_not_left_dangling(
    needs: dict[str, Any],
    submit: Callable[..., Report],
    commit: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.core.files.storage import default_storage

    def full(name: str, content: Any) -> str:
        raise OSError("No space left on device")

    monkeypatch.setattr(default_storage, "save", full)
    with commit():
        report = submit(photos=[upload()])
    assert Report.objects.filter(pk=report.pk).exists()
    assert not ReportPhoto.objects.filter(report=report).exists()


# --- web form -----------------------------------------------------------------------------------


def test_web_form_takes_photos_without_javascript(
    client: Client, needs: dict[str, Any], media: Path, commit: Any
) -> None:
    html = client.get("/needs/report/").content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="photos"' in html
    assert "multiple" in html
    data = form_data(needs, photos=[upload(gps=True), upload(name="two.jpg")])
    with commit():
        res = client.post("/needs/report/", data)
    assert res.status_code == 302, res.content
    report = Report.objects.get()
    assert report.photos.count() == 2
    assert len(stored_files(media)) == 2
    page = client.get(f"/needs/{report.pk}/").content.decode()
    for photo in report.photos.all():
        assert f'<img src="{photo.image.url}"' in page
    assert 'alt="Photo 2 of the report"' in page


def test_web_form_shows_the_photo_error_and_files_nothing(
    client: Client, needs: dict[str, Any], media: Path, commit: Any
) -> None:
    data = form_data(needs, photos=[upload(), upload(FAKE, name="notes.pdf")])
    with commit():
        res = client.post("/needs/report/", data)
    assert res.status_code == 400
    assert "“notes.pdf” is not a photo we can read" in res.content.decode()
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0
    assert stored_files(media) == []


TOKEN = "k3pT0ken-0f-the-f0rm_22"


@pytest.fixture
def tree_nearby(submit: Callable[..., Report]) -> Report:
    """An open fallen-tree report 50 m from where the form files: the form stops at the
    nearby step."""
    return submit("tree", where=(40.9655, -5.695))


@pytest.mark.usefixtures("tree_nearby")
def test_nearby_step_keeps_the_photos_for_the_report(
    client: Client, needs: dict[str, Any], commit: Any, media: Path
) -> None:
    """A browser cannot carry files to the next page: the checked copies wait under the form's
    one-time token, the report takes them when filed, and nothing stays behind."""
    first = form_data(needs, form_token=TOKEN, photos=[upload(gps=True), upload(name="b.jpg")])
    html = client.post("/needs/report/", first).content.decode()
    assert "Is it one of these?" in html
    assert "Your 2 photos are kept with the report." in html
    assert '<input type="hidden" name="photos"' not in html
    staged = stored_files(media / "needs" / "staging" / TOKEN)
    assert len(staged) == 2
    for path in staged:  # only the re-encoded copies wait, without the camera's position
        with Image.open(path) as image:
            assert ExifTags.IFD.GPSInfo not in image.getexif()
    with commit():
        res = client.post("/needs/report/", form_data(needs, form_token=TOKEN, confirm="1"))
    assert res.status_code == 302
    assert Report.objects.latest("id").photos.count() == 2
    assert stored_files(media / "needs" / "staging") == []


@pytest.mark.usefixtures("tree_nearby")
def test_nearby_step_photos_can_be_replaced_and_bad_ones_stop_at_the_form(
    client: Client, needs: dict[str, Any], commit: Any, media: Path
) -> None:
    bad = form_data(needs, form_token=TOKEN, photos=[upload(FAKE, name="notes.pdf")])
    res = client.post("/needs/report/", bad)
    assert res.status_code == 400
    assert "“notes.pdf” is not a photo we can read" in res.content.decode()
    assert stored_files(media) == []
    client.post("/needs/report/", form_data(needs, form_token=TOKEN, photos=[upload()]))
    again = form_data(needs, form_token=TOKEN, confirm="1", photos=[upload(), upload(), upload()])
    with commit():
        assert client.post("/needs/report/", again).status_code == 302
    assert Report.objects.latest("id").photos.count() == 3  # the new ones, not the kept one
    assert stored_files(media / "needs" / "staging") == []


def test_abandoned_photos_are_swept_after_a_day(needs: dict[str, Any], media: Path) -> None:
    import os
    import time

    from cocity.needs import staging

    staging.photos_stage(token="abandoned-form-token-1", uploads=[upload()])
    two_days_ago = time.time() - 2 * 86400
    for path in stored_files(media):
        os.utime(path, (two_days_ago, two_days_ago))
    staging.photos_stage(token=TOKEN, uploads=[upload()])
    assert [p.parent.name for p in stored_files(media / "needs" / "staging")] == [TOKEN]
    assert staging.photos_staged(token="../../etc") == []


def test_triage_page_shows_the_photos(
    client: Client, needs: dict[str, Any], submit: Callable[..., Report], commit: Any
) -> None:
    with commit():
        report = submit(photos=[upload()])
    login(client, needs, "official")
    html = client.get(f"/needs/triage/{report.pk}/").content.decode()
    assert f'<img src="{report.photos.get().image.url}"' in html


# --- REST API and Open311 -----------------------------------------------------------------------


def test_api_accepts_multipart_photos(
    client: Client, needs: dict[str, Any], media: Path, commit: Any
) -> None:
    token, _ = Token.objects.get_or_create(user=needs["users"]["resident"])
    body = {
        "category": "fallen-tree",
        "description": "Branch on the path",
        "lat": "40.955",
        "lon": "-5.685",
        "photos": [upload(gps=True), upload(image_bytes(fmt="PNG"), name="b.png")],
    }
    with commit():
        res = client.post("/api/needs/reports/", body, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert res.status_code == 201, res.content
    urls = res.json()["photos"]
    assert len(urls) == 2
    assert all(u.startswith("http://testserver/media/needs/photos/") for u in urls)
    assert len(stored_files(media)) == 2
    detail = client.get(f"/api/needs/reports/{res.json()['id']}/").json()
    assert detail["photos"] == urls
    listed = client.get("/api/needs/reports/").json()["results"]
    assert listed[0]["photos"] == urls
    body["photos"] = [upload(), upload(FAKE, name="x.jpg")]
    with commit():
        res = client.post("/api/needs/reports/", body, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert res.status_code == 400
    assert res["Content-Type"] == "application/problem+json"
    assert res.json()["code"] == "invalid_photo"
    assert Report.objects.count() == 1
    assert len(stored_files(media)) == 2


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_media_upload_and_media_url(
    client: Client, open311_form: dict[str, Any], commit: Any, fmt: str
) -> None:
    with commit():
        res = client.post(f"{BASE}/requests.{fmt}", {**open311_form, "media": upload(gps=True)})
    assert res.status_code == 200, res.content
    [created] = requests_of(res, fmt)
    report = Report.objects.get(pk=int(created["service_request_id"]))
    photo = report.photos.get()
    res = client.get(f"{BASE}/requests/{report.pk}.{fmt}")
    [row] = requests_of(res, fmt)
    assert row["media_url"] == f"http://testserver{photo.image.url}"
    # a report without photos has an empty media_url
    plain = client.post(f"{BASE}/requests.{fmt}", open311_form)
    [created] = requests_of(plain, fmt)
    [row] = requests_of(client.get(f"{BASE}/requests/{created['service_request_id']}.{fmt}"), fmt)
    assert not row["media_url"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_bad_media_is_a_spec_error(
    client: Client, open311_form: dict[str, Any], media: Path, commit: Any, fmt: str
) -> None:
    with commit():
        res = client.post(f"{BASE}/requests.{fmt}", {**open311_form, "media": upload(FAKE)})
    assert res.status_code == 400
    [(code, description)] = errors(res, fmt)
    assert code == "400"
    assert "is not a photo we can read" in description
    assert Report.objects.count() == 0
    assert stored_files(media) == []
    assert parse(res, fmt) is not None
