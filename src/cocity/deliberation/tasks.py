"""Background tasks of deliberation (django-tasks API)."""

from __future__ import annotations

from django_tasks import task


@task()
def analysis_run_task(conversation_id: int) -> dict[str, object]:
    """Recompute a conversation's opinion groups (queued, debounced, by ``analysis_request``)."""
    from cocity.deliberation import services
    from cocity.deliberation.models import Conversation

    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return {"ok": False, "reason": "missing"}
    result = services.analysis_run(conversation=conversation)
    if result is None:
        return {"ok": False, "reason": "not_enough_votes"}
    return {"ok": True, "k": result.k, "analysis": result.pk}
