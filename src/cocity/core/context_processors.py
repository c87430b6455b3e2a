from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cocity.core import selectors


def cocity(request: HttpRequest) -> dict[str, Any]:
    return {
        "city_name": settings.COCITY_NAME,
        "demo_mode": settings.DEMO_MODE,
        "tile_url": settings.COCITY_TILE_URL,
        # a callable: the template evaluates it once ({% with %}), only for signed-in people
        "unread_notifications": functools.partial(
            selectors.notification_unread_count, user=getattr(request, "user", None)
        ),
    }
