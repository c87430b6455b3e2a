from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def cocity(request: HttpRequest) -> dict[str, Any]:
    return {
        "city_name": settings.COCITY_NAME,
        "demo_mode": settings.DEMO_MODE,
        "tile_url": settings.COCITY_TILE_URL,
    }
