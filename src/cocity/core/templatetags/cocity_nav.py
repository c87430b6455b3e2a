"""The header's links: one tag so every link marks the current page the same way."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context: Any, url_name: str, label: str, css_class: str = "") -> SafeString:
    """``<a>`` to ``url_name``, with ``aria-current="page"`` when it is the page shown."""
    url = reverse(url_name)
    request = context.get("request")
    current = request is not None and request.path == url
    return format_html(
        '<a href="{}"{}{}>{}</a>',
        url,
        format_html(' class="{}"', css_class) if css_class else "",
        mark_safe(' aria-current="page"') if current else "",
        label,
    )
