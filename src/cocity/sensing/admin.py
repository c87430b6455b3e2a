from django.contrib import admin

from cocity.sensing.models import EvidenceRule


@admin.register(EvidenceRule)
class EvidenceRuleAdmin(admin.ModelAdmin[EvidenceRule]):
    """Officials' rules that turn readings into suggested needs (docs/sensing.md)."""

    list_display = [
        "name",
        "quantity",
        "statistic",
        "threshold",
        "min_days",
        "window_days",
        "active",
    ]
    list_filter = ["active", "statistic"]
