"""REST API of participatory budgeting (mounted under /api/budgets/)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers

from cocity.budgeting import selectors
from cocity.budgeting.models import Envelope, Phase, Process


class ChannelCountsSerializer(serializers.Serializer[dict[str, int]]):
    online = serializers.IntegerField()
    code = serializers.IntegerField()
    paper = serializers.IntegerField()
    assisted = serializers.IntegerField()


class TurnoutSerializer(serializers.Serializer[dict[str, Any]]):
    ballots = serializers.IntegerField()
    by_channel = ChannelCountsSerializer()
    percent = serializers.FloatField(allow_null=True)


class EnvelopeSerializer(serializers.ModelSerializer[Envelope]):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    result_sha256 = serializers.SerializerMethodField(
        help_text="SHA-256 of the canonical result (docs/budgeting.md); null until tallied."
    )

    turnout = serializers.SerializerMethodField(
        help_text="Ballots cast: in all, per channel and, for a district, as a share of its "
        "population (percent; null for the whole city)."
    )

    ejr_satisfied = serializers.SerializerMethodField(
        help_text="Whether the counted outcome satisfies EJR up to one project "
        "(docs/budgeting.md); null until tallied or when the audit could not run."
    )

    class Meta:
        model = Envelope
        fields = [
            "slug",
            "name",
            "area",
            "amount",
            "allocation",
            "result_sha256",
            "ejr_satisfied",
            "turnout",
        ]

    def get_ejr_satisfied(self, envelope: Envelope) -> bool | None:
        result = getattr(envelope, "result", None)
        if result is None or not (result.ejr or {}).get("checked"):
            return None
        return not result.ejr.get("violations")

    @extend_schema_field(TurnoutSerializer)
    def get_turnout(self, envelope: Envelope) -> dict[str, Any]:
        total = getattr(envelope, "n_ballots", None) or 0
        population = envelope.area.population if envelope.area else 0
        return {
            "ballots": total,
            "by_channel": {c: getattr(envelope, f"n_{c}", None) or 0 for c in selectors.CHANNELS},
            "percent": round(100 * total / population, 2) if population else None,
        }

    def get_result_sha256(self, envelope: Envelope) -> str | None:
        result = getattr(envelope, "result", None)
        return result.result_sha256 if result is not None else None


class ProcessSerializer(serializers.ModelSerializer[Process]):
    phase = serializers.ChoiceField(
        choices=Phase.choices, source="current_phase", read_only=True, help_text="Current phase"
    )
    envelopes = EnvelopeSerializer(many=True, read_only=True)

    class Meta:
        model = Process
        fields = [
            "slug",
            "title",
            "phase",
            "ideas_opens_at",
            "review_opens_at",
            "voting_opens_at",
            "voting_closes_at",
            "ballot_kind",
            "rule",
            "tie_break",
            "envelopes",
        ]


class ProcessList(generics.ListAPIView[Process]):
    """Budget processes with their phase and envelopes (and each envelope's result hash)."""

    serializer_class = ProcessSerializer
    queryset = selectors.processes()
