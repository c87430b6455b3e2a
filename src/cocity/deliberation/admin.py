"""Read-only admin views: every change goes through the services (and the audit log)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cocity.deliberation.models import AnalysisResult, Conversation, Statement


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(ReadOnly):
    list_display = ["topic", "opens_at", "closes_at", "allow_anonymous", "source"]
    search_fields = ["topic"]


@admin.register(Statement)
class StatementAdmin(ReadOnly):
    list_display = ["conversation", "number", "body", "status", "is_seed"]
    list_filter = ["status", "is_seed"]
    search_fields = ["body"]


@admin.register(AnalysisResult)
class AnalysisResultAdmin(ReadOnly):
    list_display = ["conversation", "computed_at", "k", "n_participants", "n_votes"]
