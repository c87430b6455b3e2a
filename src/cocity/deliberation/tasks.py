"""Background tasks of deliberation (django-tasks API)."""

from __future__ import annotations

from django_tasks import task

from cocity.deliberation.analysis import analysis_run
from cocity.deliberation.models import Conversation


@task()
def analysis_run_task(conversation_id: int) -> dict[str, object]:
    """Recompute a conversation's opinion groups (queued, debounced, by ``analysis_request``)."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return {"ok": False, "reason": "missing"}
    result = analysis_run(conversation=conversation)
    if result is None:
        return {"ok": False, "reason": "not_enough_votes"}
    return {"ok": True, "k": result.k, "analysis": result.pk}
