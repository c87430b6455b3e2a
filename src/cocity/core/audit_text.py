"""The public record in words: each audit action code as a translatable sentence, its
placeholders filled from the entry (its object and ``data``). The raw code stays next to it on
the page, so the sentence never hides what was recorded. An action without a sentence shows its
code."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

#: action code -> English sentence (translated when shown); %(id)s is the object's id.
SENTENCES: dict[str, str] = {
    "needs.report_submitted": gettext_noop("Report #%(id)s was filed."),
    "needs.report_status_changed": gettext_noop("Report #%(id)s changed from %(from)s to %(to)s."),
    "needs.report_merged": gettext_noop("Report #%(id)s was merged into report #%(into)s."),
    "needs.report_supported": gettext_noop("Report #%(id)s got one more supporter."),
    "needs.report_followed": gettext_noop("Report #%(id)s got one more follower."),
    "needs.report_unfollowed": gettext_noop("Report #%(id)s lost a follower."),
    "needs.report_update_added": gettext_noop("Report #%(id)s got a public update."),
    "needs.report_note_added": gettext_noop("Report #%(id)s got an internal note."),
    "needs.report_reassigned": gettext_noop(
        "Report #%(id)s moved from department %(from)s to %(to)s."
    ),
    "needs.report_priority_set": gettext_noop("Report #%(id)s got a new priority."),
    "needs.category_created": gettext_noop("A report category was created."),
    "needs.response_template_created": gettext_noop(
        "Answer template “%(code)s” (%(language)s) was added."
    ),
    "needs.response_template_updated": gettext_noop(
        "Answer template “%(code)s” (%(language)s) was changed."
    ),
    "needs.response_template_deleted": gettext_noop(
        "Answer template “%(code)s” (%(language)s) was deleted."
    ),
    "needs.open311_key_created": gettext_noop("An API key for a client app was issued."),
    "needs.open311_key_revoked": gettext_noop("An API key for a client app was revoked."),
    "sensing.key_created": gettext_noop("A sensor key was issued."),
    "sensing.key_revoked": gettext_noop("A sensor key was revoked."),
    "opendata.release": gettext_noop(
        "Version %(version)s of the open dataset “%(dataset)s” was published."
    ),
    "opendata.releases_pruned": gettext_noop(
        "Older releases of the open dataset “%(dataset)s” were deleted."
    ),
    "needs.demo_imported": gettext_noop("Demonstration reports were imported."),
    "statement.submitted": gettext_noop("A statement was added to conversation #%(conversation)s."),
    "statement.accepted": gettext_noop(
        "A statement in conversation #%(conversation)s was accepted."
    ),
    "statement.rejected": gettext_noop(
        "A statement in conversation #%(conversation)s was rejected."
    ),
    "conversation.created": gettext_noop("Conversation #%(id)s was opened."),
    "conversation.imported": gettext_noop("Conversation #%(id)s was imported."),
    "conversation.closed": gettext_noop("Conversation #%(id)s was closed."),
    "conversation.analysed": gettext_noop(
        "The opinion groups of conversation #%(id)s were updated."
    ),
    "budget.process_created": gettext_noop("Budget process “%(slug)s” was created."),
    "budget.process_updated": gettext_noop("Budget process #%(id)s was changed."),
    "budget.phase_set": gettext_noop("Budget process #%(id)s moved to the phase “%(to)s”."),
    "budget.envelope_created": gettext_noop(
        "Budget “%(slug)s” of process “%(process)s” was created with %(amount)s."
    ),
    "budget.envelope_amount_set": gettext_noop("Budget #%(id)s was set to %(amount)s."),
    "budget.envelopes_split": gettext_noop(
        "The district budgets of process #%(id)s were split (%(method)s)."
    ),
    "budget.idea_submitted": gettext_noop("An idea was proposed for budget “%(envelope)s”."),
    "budget.idea_reviewed": gettext_noop("Idea #%(id)s was reviewed (%(status)s)."),
    "budget.tallied": gettext_noop(
        "Budget “%(envelope)s” of process “%(process)s” was counted (ballots: %(ballots)s; "
        "result %(result_sha256)s)."
    ),
    "user.created": gettext_noop("An account was created."),
    "user.role_changed": gettext_noop("An account's role changed."),
    "user.anonymised": gettext_noop("An account was anonymised at its owner's request."),
    "organisation.created": gettext_noop("An organisation was registered."),
    "department.created": gettext_noop("A department was created."),
    "area.created": gettext_noop("A district was added."),
}


def _status(value: Any) -> str:
    """A report status code as its (translated) name: "in_progress" -> "In progress"."""
    text = str(value or "")
    return _(text.replace("_", " ").capitalize()) if text else "—"


def audit_sentence(action: str, object_id: str, data: dict[str, Any] | None) -> str:
    """The sentence of one entry in the active language, or its action code."""
    data = dict(data or {})
    key = action
    if action == "needs.report_status_changed" and data.get("into"):
        key = "needs.report_merged"
    elif action == "statement.moderated" and data.get("status") in ("accepted", "rejected"):
        key = f"statement.{data['status']}"
    text = SENTENCES.get(key)
    if text is None:
        return action
    params: dict[str, Any] = {"id": object_id, **data}
    if action == "needs.report_status_changed":
        params["from"], params["to"] = _status(data.get("from")), _status(data.get("to"))
    elif action == "needs.report_reassigned":
        params["from"], params["to"] = data.get("from") or "—", data.get("to") or "—"
    try:
        return _(text) % params
    except (KeyError, TypeError, ValueError):
        return action
