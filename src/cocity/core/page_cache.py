"""A short-lived cache of public pages for anonymous visitors.

Public pages (home, districts, report list, map, a report, conversation list and results) are
the same for every anonymous visitor in one language, so a rendered page is kept for
``COCITY_PAGE_CACHE_SECONDS`` and served again without running the view. What makes a page
personal keeps it out of the cache both ways:

- a request carrying a session or messages cookie (a signed-in person, or someone with a flash
  message waiting) is never served a cached page and its page is never stored;
- a response that sets a cookie (a CSRF token for a form, a new session, a consumed message) or
  says ``Cache-Control: private``/``no-store`` is never stored.

The key is the full path (with the query) and the request's language, as LocaleMiddleware
chooses it. New reports and votes appear once the cached copy expires (the TTL, plus the time
one request takes to render the page again: meanwhile the others get the stale copy). The
middleware sits just inside the request log, so cached hits are logged and still pass through the
security and CSP middlewares on their way out.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language_from_request

#: the URL names of the pages an anonymous visitor may be served from the cache
PUBLIC_PAGES = frozenset(
    {
        "core:home",
        "core:area",
        "needs:list",
        "needs:map",
        "needs:detail",
        "deliberation:list",
        "deliberation:results",
    }
)

CACHE_ALIAS = "pages"
#: seconds a stale page may still be served while another request renders its successor
STALE_GRACE = 60
#: the longest a render may hold the right to refresh a page (a crashed render frees it then)
RENDER_LOCK = 30


def _personal(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies


def _key(request: HttpRequest) -> str | None:
    if request.method != "GET" or _personal(request):
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name not in PUBLIC_PAGES:
        return None
    language = get_language_from_request(request)
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"page:{language}:{digest}"


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = int(settings.COCITY_PAGE_CACHE_SECONDS)
        key = _key(request) if seconds > 0 else None
        if key is None:
            return self.get_response(request)
        cache = caches[CACHE_ALIAS]
        entry = cache.get(key)
        if entry is not None:
            fresh_until, cached = entry
            # a stale copy is served while one request (the one that takes the lock) renders
            # the page again: when the TTL runs out under load, the visitors of that moment do
            # not all render the same page at once
            if time.time() < fresh_until or not cache.add(f"{key}:render", 1, RENDER_LOCK):
                return cached
        try:
            response = self.get_response(request)
            if self._storable(response):
                patch_vary_headers(response, ("Cookie",))
                # kept a little past its freshness, for the stale-while-rendering case above
                cache.set(key, (time.time() + seconds, response), seconds + STALE_GRACE)
        finally:
            if entry is not None:
                cache.delete(f"{key}:render")
        return response

    @staticmethod
    def _storable(response: HttpResponse) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        cache_control = response.get("Cache-Control", "")
        return "private" not in cache_control and "no-store" not in cache_control
