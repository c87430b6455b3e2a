"""Forms of co-creation: they parse and check input; the services decide."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocity.cocreation.models import GATES, Indicator, Initiative, Meeting, Proposal, Stage
from cocity.compute.sensing.quantities import QUANTITIES
from cocity.core.models import Area, Organisation
from cocity.deliberation.models import Conversation
from cocity.needs.models import Report, ServiceCategory

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


ON_BEHALF, MYSELF = _("On behalf of"), _("Myself")


def organisation_field(
    user: Any, label: StrOrPromise = ON_BEHALF, empty_label: StrOrPromise = MYSELF
) -> forms.ModelChoiceField[Organisation]:
    """A choice among the organisations ``user`` belongs to, to act in one's name."""
    return forms.ModelChoiceField(
        label=label,
        queryset=Organisation.objects.filter(members=user)
        if user.is_authenticated
        else Organisation.objects.none(),
        required=False,
        empty_label=empty_label,
    )


class _OnBehalfForm(forms.Form):
    """A form whose ``organisation`` field lists the organisations of ``user``."""

    organisation_label: StrOrPromise = ON_BEHALF
    organisation_empty_label: StrOrPromise = MYSELF

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = organisation_field(
            user, self.organisation_label, self.organisation_empty_label
        )


class ChallengeForm(_OnBehalfForm):
    organisation_label, organisation_empty_label = _("Led by"), _("The city")

    title = forms.CharField(label=_("Title"), max_length=200)
    statement = forms.CharField(
        label=_("Problem statement"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is wrong, where, and since when, in plain words."),
    )
    most_affected = forms.CharField(
        label=_("Who is most affected"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    reports = forms.CharField(
        label=_("Linked reports"),
        help_text=_("The numbers of the reports this challenge groups, e.g. 12, 15, 31."),
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Districts affected"),
        queryset=Area.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the districts of the linked reports."),
    )
    conversation = forms.IntegerField(
        label=_("Linked conversation (number)"),
        min_value=1,
        required=False,
        help_text=_("Optional: a conversation that explored this problem."),
    )

    def clean_reports(self) -> list[Report]:
        numbers = sorted({int(n) for n in re.findall(r"\d+", self.cleaned_data["reports"])})
        found = Report.objects.in_bulk(numbers)
        missing = [n for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(
                _("No report with the number %(numbers)s.")
                % {"numbers": ", ".join(map(str, missing))}
            )
        if not numbers:
            raise forms.ValidationError(_("Give at least one report number."))
        return [found[n] for n in numbers]

    def clean_conversation(self) -> Conversation | None:
        number = self.cleaned_data.get("conversation")
        if number is None:
            return None
        conversation = Conversation.objects.filter(pk=number).first()
        if conversation is None:
            raise forms.ValidationError(_("No conversation with this number."))
        return conversation


class ProposalForm(_OnBehalfForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Your proposal"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What you propose, where, who would take part, and what it would change."),
    )
    confirm_new = forms.BooleanField(
        label=_("My idea is different: submit it anyway"), required=False
    )


class ProposalEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Your proposal"), widget=forms.Textarea(attrs={"rows": 8}))
    note = forms.CharField(label=_("What changed"), max_length=200, required=False)


class CoauthorForm(forms.Form):
    who = forms.CharField(
        label=_("Co-author's e-mail address or public name"),
        max_length=254,
        help_text=_("Co-authors can edit the proposal."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class GateForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to"))
    criteria = forms.CharField(
        label=_("Criteria"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the decision was judged on."),
    )
    note = forms.CharField(
        label=_("Decision note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why: the public reads it on the initiative's page."),
    )
    decided_on = forms.DateField(
        label=_("Decided on"), widget=_DateInput(), initial=timezone.localdate
    )

    def __init__(self, *args: Any, initiative: Initiative, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["to_stage"])
        field.choices = [(s, Stage(s).label) for s in GATES.get(initiative.stage, ())]


class IndicatorForm(forms.Form):
    name = forms.CharField(label=_("Indicator"), max_length=200)
    unit = forms.CharField(label=_("Unit"), max_length=40)
    baseline = forms.DecimalField(label=_("Baseline"), max_digits=14, decimal_places=3)
    target = forms.DecimalField(label=_("Target"), max_digits=14, decimal_places=3)
    target_date = forms.DateField(label=_("Target date"), widget=_DateInput())
    source = forms.ChoiceField(label=_("Source"), choices=Indicator.Source.choices)
    category = forms.ModelChoiceField(
        label=_("Report category (for a count of reports)"),
        queryset=ServiceCategory.objects.order_by("name"),
        required=False,
    )
    quantity = forms.ChoiceField(
        label=_("Sensor quantity (for a sensor aggregate)"),
        choices=[("", "—"), *((name, name) for name in QUANTITIES)],
        required=False,
    )


class MeasurementForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.none())
    measured_on = forms.DateField(label=_("Measured on"), widget=_DateInput())
    value = forms.DecimalField(
        label=_("Value"),
        max_digits=14,
        decimal_places=3,
        required=False,
        help_text=_("Empty for a count of reports: it is counted for you."),
    )

    def __init__(self, *args: Any, initiative: Initiative, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[Indicator]", self.fields["indicator"])
        field.queryset = initiative.indicators.all()


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=100, initial=1)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=_DateInput())


class AmendmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Proposed text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The whole text as you would have it; the authors see what changed."),
    )
    reason = forms.CharField(
        label=_("Why this change"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class MeetingForm(_OnBehalfForm):
    organisation_label, organisation_empty_label = _("Hosted by"), _("The city")

    title = forms.CharField(label=_("Title"), max_length=200)
    agenda = forms.CharField(label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 5}))
    format = forms.ChoiceField(label=_("Format"), choices=Meeting.Format.choices)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=_DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=_DateTimeInput())
    place = forms.CharField(
        label=_("Place"), max_length=300, required=False, help_text=_("Address and room.")
    )
    accessibility = forms.CharField(
        label=_("Accessibility"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Step-free access, hearing loop, sign language, childcare, languages…"),
    )
    online_url = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        required=False,
        help_text=_("Empty: no limit. Once full, people join a waiting list."),
    )


class MeetingReportForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 6}))
    attended = forms.MultipleChoiceField(
        label=_("Who attended"), required=False, widget=forms.CheckboxSelectMultiple
    )
    proposals = forms.ModelMultipleChoiceField(
        label=_("Proposals this meeting shaped"),
        queryset=Proposal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attended = cast(forms.MultipleChoiceField, self.fields["attended"])
        attended.choices = [
            (str(r.user_id), r.user.public_name)
            for r in meeting.registrations.select_related("user").filter(waiting=False)
        ]
        field = cast("forms.ModelMultipleChoiceField[Proposal]", self.fields["proposals"])
        field.queryset = Proposal.objects.filter(challenge=meeting.challenge_id).order_by("title")


class SurveyForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How well does it answer the challenge so far?"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1: not at all, 5: very well."),
    )
    go_ahead = forms.TypedChoiceField(
        label=_("Should it go ahead to the next stage?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Your comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
