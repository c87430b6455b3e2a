"""The public record in words for co-creation's audit actions, added to core's table (core never
imports the apps; this module is loaded by ``CocreationConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from cocity.core.audit_text import SENTENCES

SENTENCES.update(
    {
        "cocreation.challenge_created": gettext_noop("Challenge #%(id)s was framed from reports."),
        "cocreation.proposal_submitted": gettext_noop(
            "Proposal #%(id)s answered challenge #%(challenge)s."
        ),
        "cocreation.proposal_edited": gettext_noop("Proposal #%(id)s got version %(version)s."),
        "cocreation.coauthor_added": gettext_noop("Proposal #%(id)s got a co-author."),
        "cocreation.proposal_endorsed": gettext_noop("Proposal #%(id)s was endorsed."),
        "cocreation.comment_added": gettext_noop("A comment was added to proposal #%(proposal)s."),
        "cocreation.comment_moderated": gettext_noop(
            "A comment on proposal #%(proposal)s was moderated."
        ),
        "cocreation.initiative_created": gettext_noop(
            "Proposal #%(proposal)s became initiative #%(id)s."
        ),
        "cocreation.gate_decided": gettext_noop(
            "Initiative #%(id)s passed a gate (%(from)s → %(to)s)."
        ),
        "cocreation.indicator_added": gettext_noop(
            "A goal's indicator was fixed for initiative #%(initiative)s."
        ),
        "cocreation.measurement_recorded": gettext_noop("Indicator #%(id)s got a measurement."),
        "cocreation.milestone_added": gettext_noop("Initiative #%(id)s got a milestone."),
        "cocreation.milestone_done": gettext_noop("Initiative #%(id)s reached a milestone."),
        "cocreation.milestone_edited": gettext_noop("A milestone of initiative #%(id)s changed."),
        "cocreation.indicator_edited": gettext_noop(
            "A goal's indicator of initiative #%(initiative)s changed before the pilot."
        ),
        "cocreation.amendment_proposed": gettext_noop(
            "An amendment was proposed to proposal #%(proposal)s."
        ),
        "cocreation.amendment_decided": gettext_noop(
            "An amendment to proposal #%(proposal)s was decided (%(status)s)."
        ),
        "cocreation.meeting_created": gettext_noop(
            "Meeting #%(id)s was called on challenge #%(challenge)s."
        ),
        "cocreation.meeting_registered": gettext_noop("Someone registered for meeting #%(id)s."),
        "cocreation.meeting_unregistered": gettext_noop(
            "Someone cancelled a registration for meeting #%(id)s."
        ),
        "cocreation.meeting_reported": gettext_noop(
            "The minutes and attendance of meeting #%(id)s were recorded."
        ),
        "cocreation.survey_answered": gettext_noop(
            "A resident answered the survey of initiative #%(id)s."
        ),
    }
)
