"""A small rate limiter for anonymous contributions (votes, statements, reports).

Fixed-window counters in the default cache, which every worker shares (the database cache, or
Redis): ``throttle_check(request, "vote", scope="conversation:7")`` counts one hit against the
client's address and against the scope, and raises ``Throttled`` (429) once either passes its
limit (``settings.COCITY_RATE_LIMITS``). The first hit over a limit in a window is a *burst*:
moderators are told once (an in-app notification with a link to where it happened).

The client's address is ``REMOTE_ADDR``; behind ``COCITY_TRUSTED_PROXY_COUNT`` proxies it is the
address the outermost trusted proxy saw (counted from the right of ``X-Forwarded-For``), since
anything further left is whatever the client claims.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cocity.core.errors import DomainError


class Throttled(DomainError):  # noqa: N818 — named for the answer (429), like DRF's Throttled
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            _("Too many contributions from here in a short time. Please try again later."),
            code="throttled",
        )
        self.retry_after = max(1, int(retry_after))


def client_ip(request: Any) -> str:
    proxies = int(getattr(settings, "COCITY_TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/h"`` → (10, 3600), ``"5/5m"`` → (5, 300); units s, m, h, d."""
    count, _slash, period = rate.strip().partition("/")
    period = period or "h"
    digits = period[:-1]
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[-1]]
    return int(count), seconds * (int(digits) if digits else 1)


def hit(purpose: str, key: str, rate: str) -> tuple[int, int, int]:
    """Count one hit of ``key`` for ``purpose``; return (hits in this window, the limit, seconds
    until the window ends)."""
    limit, window = parse_rate(rate)
    now = int(time.time())
    start = now - now % window
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # no raw addresses in the cache
    name = f"throttle:{purpose}:{digest}:{start}"
    cache.add(name, 0, window + 5)
    try:
        count = int(cache.incr(name))
    except ValueError:  # expired between add and incr
        cache.set(name, 1, window + 5)
        count = 1
    return count, limit, start + window - now


BURST_TEXT = {
    "vote": gettext_noop("A burst of anonymous votes was held back in “%(where)s”."),
    "participant": gettext_noop(
        "A burst of new anonymous participants was held back in “%(where)s”."
    ),
    "statement": gettext_noop("A burst of anonymous statements was held back in “%(where)s”."),
    "report": gettext_noop("A burst of anonymous reports was held back."),
}


def _burst(purpose: str, where: str, link: str) -> None:
    from cocity.core import services
    from cocity.core.models import Role, User

    moderators = User.objects.filter(role__in=[Role.MODERATOR, Role.ADMIN], is_active=True)
    services.notification_send(
        recipients=moderators,
        verb="burst",
        text=BURST_TEXT.get(purpose, BURST_TEXT["report"]),
        params={"where": where},
        link=link,
    )
    services.audit_record(action="throttle.burst", data={"purpose": purpose, "where": where})


def throttle_check(
    request: Any,
    purpose: str,
    *,
    scope: str = "",
    where: str = "",
    link: str = "",
    report_burst: bool = True,
) -> None:
    """Count this request against the client's address and ``scope`` (e.g. a conversation);
    raise ``Throttled`` when either is over its limit. Only anonymous requests are counted:
    people with an account are limited by who they are."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return
    rates: dict[str, str] = settings.COCITY_RATE_LIMITS.get(purpose, {})
    over: list[int] = []
    keys = [("ip", client_ip(request))]
    if scope:
        keys.append(("scope", scope))
    for kind, key in keys:
        if kind not in rates:
            continue
        count, limit, retry = hit(f"{purpose}:{kind}", key, rates[kind])
        if count > limit:
            if count == limit + 1 and report_burst:
                _burst(purpose, where or scope or purpose, link)
            over.append(retry)
    if over:
        raise Throttled(max(over))


def honeypot_filled(data: Any) -> bool:
    """True when the hidden field only bots fill in (``HONEYPOT_FIELD``) has a value."""
    return bool(str(data.get(HONEYPOT_FIELD, "") or "").strip())


HONEYPOT_FIELD = "website"
