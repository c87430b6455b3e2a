from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from cocity.deliberation import services
from cocity.deliberation.models import AnalysisResult, Conversation
from cocity.deliberation.tasks import analysis_run_task

pytestmark = pytest.mark.django_db(transaction=True)


def test_votes_queue_one_debounced_analysis(city: dict[str, Any]) -> None:
    from django_tasks_db.models import DBTaskResult

    conversation = services.conversation_create(
        actor=city["users"]["official"],
        topic="Queued",
        allow_anonymous=True,
        seed_statements=[f"Statement {i}" for i in range(8)],
    )
    statements = list(conversation.statements.order_by("number"))
    for i in range(12):
        for statement in statements:
            value = 1 if (i % 2 == 0) == (statement.number < 4) else -1
            services.vote_cast(statement=statement, value=value, session_key=f"s{i}")
    # 96 votes, one queued run: the others were debounced
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    conversation.refresh_from_db()
    assert conversation.analysis_requested_at is not None
    call_command("worker", batch=True, interval=0.1, stdout=io.StringIO(), stderr=io.StringIO())
    assert AnalysisResult.objects.get(conversation=conversation).k >= 2
    conversation.refresh_from_db()
    assert conversation.analysis_requested_at is None
    # a vote after the run queues the next one
    services.vote_cast(statement=statements[0], value=0, session_key="late")
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_task_reports_missing_and_small_conversations(city: dict[str, Any]) -> None:
    assert analysis_run_task.call(999) == {"ok": False, "reason": "missing"}
    conversation = Conversation.objects.create(topic="Empty")
    assert analysis_run_task.call(conversation.pk) == {"ok": False, "reason": "not_enough_votes"}
