"""The admin shows budgets read-only for support; officials work in the site's own pages."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from cocity.budgeting.models import Envelope, Idea, Process, Result


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Process)
class ProcessAdmin(_ReadOnly):
    list_display = ["slug", "title", "voting_opens_at", "rule"]


@admin.register(Envelope)
class EnvelopeAdmin(_ReadOnly):
    list_display = ["process", "slug", "name", "amount"]


@admin.register(Idea)
class IdeaAdmin(_ReadOnly):
    list_display = ["envelope", "title", "status", "cost"]


@admin.register(Result)
class ResultAdmin(_ReadOnly):
    list_display = ["envelope", "rule", "result_sha256", "computed_at"]
