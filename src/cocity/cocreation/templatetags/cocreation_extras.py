"""Template helpers of co-creation."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    """``mapping[key]`` or None (a gate decision's survey result in a template)."""
    return mapping.get(key) if mapping else None
