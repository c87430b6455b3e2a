"""The public record in words for co-written plans' audit actions (loaded by the app's ready)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from cocity.core.audit_text import SENTENCES

SENTENCES.update(
    {
        "cocreation.plan_published": gettext_noop("Plan #%(id)s was published as a draft."),
        "cocreation.plan_opened": gettext_noop(
            "Plan #%(id)s was opened or closed to contributions."
        ),
        "cocreation.plan_section_edited": gettext_noop("A section of plan #%(plan)s was edited."),
        "cocreation.plan_section_moved": gettext_noop(
            "A section of plan #%(plan)s moved from place %(from)s to place %(to)s."
        ),
        "cocreation.plan_version_published": gettext_noop("Plan #%(id)s got version %(version)s."),
        "cocreation.plan_comment_added": gettext_noop("A comment was added to plan #%(plan)s."),
        "cocreation.plan_comment_addressed": gettext_noop(
            "A comment on a plan was marked as taken into account."
        ),
        "cocreation.plan_comment_flagged": gettext_noop(
            "A comment on plan #%(plan)s was flagged for the moderators."
        ),
        "cocreation.plan_comment_moderated": gettext_noop(
            "A moderator settled the flags on a comment on plan #%(plan)s."
        ),
        "cocreation.plan_amendment_proposed": gettext_noop(
            "Amendment #%(id)s was proposed to plan #%(plan)s."
        ),
        "cocreation.plan_amendment_supported": gettext_noop("Amendment #%(id)s got support."),
        "cocreation.plan_amendment_decided": gettext_noop(
            "Amendment #%(id)s to plan #%(plan)s was decided (%(status)s)."
        ),
    }
)
