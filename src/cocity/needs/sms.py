"""The SMS channel: an inbound webhook (a form POST with ``From`` and ``Body``; Twilio's field
names) that files reports and answers "STATUS <token>".

    streetlight out near d04          → a report in district d04, replied with its token
    pothole at Los Olivos             → district names work too
    STATUS Ab3xYz...                  → the report's current status

The gateway proves who it is in one of three ways (``COCITY_SMS_PROVIDER``): ``key`` (default):
an Open311 key issued with ``cocity open311 create-key``, in the ``X-Api-Key`` header; ``twilio``:
Twilio's ``X-Twilio-Signature`` (HMAC-SHA1 of the URL and the sorted fields, keyed with the
account's auth token in ``COCITY_SMS_SECRET``); ``hmac``: ``X-Signature: sha256=<hex>``, the
HMAC-SHA256 of the raw body keyed with ``COCITY_SMS_SECRET``. A key in the URL is refused: URLs
end up in logs. Message ids (``MessageSid``) are unique per gateway and sender. Phone numbers are
stored only as a keyed hash and their last four digits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cocity.core.errors import DomainError
from cocity.core.selectors import districts
from cocity.needs import selectors, services
from cocity.needs.models import Channel, ServiceCategory

PLACE = re.compile(r"\b(?:near|at|in|on|en|cerca de|junto a)\s+", re.I)
STATUS = re.compile(r"^\s*(?:status|estado)\s+(?P<token>[-\w]+)\s*$", re.I)


def match_category(text: str) -> ServiceCategory | None:
    """The category whose code, name or keywords (in any language) appear in the text (the
    longest match wins)."""
    lowered = f" {text.lower()} "
    best: tuple[int, ServiceCategory] | None = None
    for category in selectors.category_list():
        names = [n.lower() for n in category.all_names().values()]
        words = {category.code, category.code.replace("-", " "), *names}
        words |= category.all_keywords()  # in every language
        for word in words:
            if re.search(rf"\b{re.escape(word)}\b", lowered) and (
                best is None or len(word) > best[0]
            ):
                best = (len(word), category)
    return best[1] if best else None


def match_place(text: str) -> tuple[float, float] | None:
    """A district named after "near"/"at"/"in" (code or name): its centroid."""
    names = {}
    for area in districts():
        names[area.code.lower()] = names[area.name.lower()] = (area.centroid_lat, area.centroid_lon)
    for found in PLACE.finditer(text):  # "hole in the road at n1": try each "in/at/near"
        words = re.split(r"[,.;!?]", text[found.end() :], maxsplit=1)[0].lower().split()
        for size in range(len(words), 0, -1):  # "near n1 by the school" → "n1"
            place = names.get(" ".join(words[:size]))
            if place is not None:
                return place
    return None


def _twilio_signature(secret: str, url: str, fields: QueryDict) -> str:
    """Twilio's request signature: the URL, then each field's name and value sorted by name."""
    text = url + "".join(
        name + value for name in sorted(fields) for value in sorted(fields.getlist(name))
    )
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def gateway(request: HttpRequest) -> str | None:
    """Which gateway sent this request (scopes its message ids), or None if it cannot prove it."""
    provider = settings.COCITY_SMS_PROVIDER
    secret = settings.COCITY_SMS_SECRET
    if provider == "twilio":
        sent = request.headers.get("X-Twilio-Signature", "")
        good = bool(secret) and hmac.compare_digest(
            sent, _twilio_signature(secret, request.build_absolute_uri(), request.POST)
        )
        return "twilio" if good else None
    if provider == "hmac":
        sent = request.headers.get("X-Signature", "")
        expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        return "hmac" if secret and hmac.compare_digest(sent, expected) else None
    key = selectors.open311_key_valid(request.headers.get("X-Api-Key", ""))
    return f"key:{key.pk}" if key is not None else None


def _reply(request: HttpRequest, text: str, status: int = 200) -> HttpResponse:
    if request.GET.get("twiml"):
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Response><Message>{escape(text)}</Message></Response>"
        )
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def inbound(request: HttpRequest) -> HttpResponse:
    if "key" in request.GET:
        return _reply(request, "Send the key in the X-Api-Key header, never in the URL.", 400)
    sent_by = gateway(request)
    if sent_by is None:
        return _reply(request, "forbidden", status=403)
    sender = request.POST.get("From", "")
    body = (request.POST.get("Body") or "").strip()
    if not sender or not body:
        return _reply(request, _("Send a message describing the problem and where it is."), 400)
    asked = STATUS.match(body)
    if asked:
        report = selectors.report_by_token(asked.group("token"))
        if report is None:
            return _reply(request, _("No report has that tracking code."))
        return _reply(
            request,
            _("Report #%(number)s: %(status)s.")
            % {"number": report.pk, "status": report.get_status_display()},
        )
    category = match_category(body)
    if category is None:
        codes = ", ".join(c.code for c in selectors.category_list()[:8])
        return _reply(
            request, _("Which problem is it? Start with one of: %(codes)s.") % {"codes": codes}
        )
    lat = request.POST.get("Latitude") or request.POST.get("lat")
    lon = request.POST.get("Longitude") or request.POST.get("lon")
    place: tuple[object, object] | None = (lat, lon) if lat and lon else match_place(body)
    if place is None:
        return _reply(
            request, _("Where is it? Add 'near' and a district code or name, e.g. near d04.")
        )
    try:
        report = services.report_submit(
            category=category,
            description=body,
            lat=place[0],
            lon=place[1],
            channel=Channel.SMS,
            phone=sender,
            anonymous=True,
            idempotency_key=request.POST.get("MessageSid", ""),
            # a message id means something only for the gateway and the phone that sent it
            idempotency_scope=f"sms:{sent_by}:{services.phone_hash(sender)[:16]}",
        )
    except DomainError as exc:
        return _reply(request, exc.message)
    return _reply(
        request,
        _("Thank you. Report #%(number)s is filed. Text STATUS %(token)s for news.")
        % {"number": report.pk, "token": report.tracking_token},
    )
