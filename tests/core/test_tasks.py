from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from cocity.core.models import AuditEntry
from cocity.core.tasks import audit_verify_task, ping

pytestmark = pytest.mark.django_db(transaction=True)


def test_tasks_wait_in_the_database_until_the_worker_runs_them(city: dict[str, Any]) -> None:
    from django_tasks_db.models import DBTaskResult

    result = ping.enqueue()
    verify = audit_verify_task.enqueue()
    assert DBTaskResult.objects.filter(status="READY").count() == 2
    call_command("worker", batch=True, interval=0.1, stdout=io.StringIO(), stderr=io.StringIO())
    result.refresh()
    verify.refresh()
    assert result.return_value == "pong"
    assert verify.return_value == {"ok": True}


def test_audit_task_reports_tampering(city: dict[str, Any]) -> None:
    entry = AuditEntry.objects.order_by("id")[3]
    AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    result = audit_verify_task.enqueue()
    call_command("worker", batch=True, interval=0.1, stdout=io.StringIO(), stderr=io.StringIO())
    result.refresh()
    assert result.return_value["ok"] is False
    assert result.return_value["entry"] == entry.pk
