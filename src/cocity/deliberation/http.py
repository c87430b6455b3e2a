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
