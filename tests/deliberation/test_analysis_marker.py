"""The "analysis queued" marker never blocks new requests longer than a lost run takes to return."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cocity.deliberation import services
from cocity.deliberation.models import Conversation

pytestmark = pytest.mark.django_db


def _queued_runs() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status="READY").count()


def _marked(conversation: Conversation, ago: timedelta) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(
        analysis_requested_at=timezone.now() - ago
    )


def test_marker_expires_when_a_lost_run_would_be_delivered_again(settings: Any) -> None:
    settings.COCITY_CELERY_VISIBILITY_TIMEOUT = 60
    conversation = Conversation.objects.create(topic="Marker")
    _marked(conversation, timedelta(seconds=30))  # a run is queued and may still come
    assert services.analysis_request(conversation_id=conversation.pk) is False
    assert _queued_runs() == 0
    _marked(conversation, timedelta(seconds=61))  # past the broker's redelivery: queue anew
    assert services.analysis_request(conversation_id=conversation.pk) is True
    assert _queued_runs() == 1


def test_marker_never_blocks_longer_than_ten_minutes(settings: Any) -> None:
    settings.COCITY_CELERY_VISIBILITY_TIMEOUT = 3600
    conversation = Conversation.objects.create(topic="Long timeout")
    _marked(conversation, timedelta(minutes=9))
    assert services.analysis_request(conversation_id=conversation.pk) is False
    _marked(conversation, timedelta(minutes=11))
    assert services.analysis_request(conversation_id=conversation.pk) is True
