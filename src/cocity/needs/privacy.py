"""What the needs app holds about a person, for the personal-data export (core)."""

from __future__ import annotations

from typing import Any

from cocity.core.models import User
from cocity.needs.models import Report, ReportFollow, ReportSupport, ReportUpdate


def personal_data(user: User) -> dict[str, Any]:
    """The person's reports (with the updates they wrote), supports and follows."""
    return {
        "reports": [
            {
                "id": r.pk,
                "category": r.category.code,
                "description": r.description,
                "lat": r.lat,
                "lon": r.lon,
                "address": r.address,
                "anonymous": r.anonymous,
                "contact_email": r.contact_email,
                "contact_language": r.contact_language,
                "channel": r.channel,
                "status": r.status,
                "tracking_token": r.tracking_token,
                "photos": [p.pk for p in r.photos.all()],
                "at": r.created_at.isoformat(),
            }
            for r in Report.objects.filter(reporter=user)
            .select_related("category")
            .prefetch_related("photos")
            .order_by("created_at", "id")
        ],
        "report_updates": [
            {
                "report": u.report_id,
                "text": u.text,
                "public": u.public,
                "at": u.created_at.isoformat(),
            }
            for u in ReportUpdate.objects.filter(author=user).order_by("created_at", "id")
        ],
        "supports": [
            {"report": s.report_id, "at": s.created_at.isoformat()}
            for s in ReportSupport.objects.filter(user=user).order_by("created_at", "id")
        ],
        "follows": [
            {"report": f.report_id, "at": f.created_at.isoformat()}
            for f in ReportFollow.objects.filter(user=user).order_by("created_at", "id")
        ],
    }
