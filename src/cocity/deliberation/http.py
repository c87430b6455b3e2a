"""How a request names its participant: an account, or a browser session where the conversation
allows anonymous participation (shared by the HTML views and the API)."""

from __future__ import annotations

from typing import Any


def session_key(request: Any, create: bool) -> str:
    """The session key of an anonymous request (created on first use when ``create``); "" for a
    signed-in person, whose account names them."""
    if request.user.is_authenticated:
        return ""
    if not request.session.session_key and create:
        # a value marks the session modified, so the response carries its cookie
        request.session["anonymous_participant"] = True
        request.session.save()
    return request.session.session_key or ""


def anonymous_guard(request: Any, conversation: Any, purpose: str) -> None:
    """Rate-limit an anonymous vote or statement (per address and per conversation), and the
    creation of a new anonymous participant (a request without the session cookie makes one):
    raises ``core.throttle.Throttled``. Signed-in people are not counted."""
    from django.urls import reverse

    from cocity.core.throttle import throttle_check
    from cocity.deliberation import selectors

    if request.user.is_authenticated:
        return
    scope = f"conversation:{conversation.pk}"
    where = {
        "where": conversation.topic,
        "link": reverse("deliberation:moderate", kwargs={"pk": conversation.pk}),
    }
    known = selectors.participant_find(
        conversation, user=None, session_key=session_key(request, create=False)
    )
    if known is None:
        throttle_check(request, "participant", scope=scope, **where)
    throttle_check(request, purpose, scope=scope, **where)
