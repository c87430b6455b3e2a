from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cocity.core.models import Area
from cocity.deliberation.models import STATEMENT_MAX_LENGTH
from cocity.needs.models import Report


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class StatementForm(forms.Form):
    body = forms.CharField(
        label=_("Your statement"),
        max_length=STATEMENT_MAX_LENGTH,
        help_text=_("One idea, at most 140 characters. A moderator reviews it before others vote."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": STATEMENT_MAX_LENGTH}),
    )


class ConversationForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    area = forms.ModelChoiceField(
        label=_("District"),
        queryset=Area.objects.order_by("name"),
        required=False,
        empty_label=_("The whole city"),
    )
    need = forms.IntegerField(
        label=_("Reported need (report number)"),
        help_text=_("Optional: the number of the report this conversation is about."),
        min_value=1,
        required=False,
    )
    opens_at = forms.DateTimeField(
        label=_("Opens at"), required=False, widget=_DateTimeInput(), help_text=_("Empty: now.")
    )
    closes_at = forms.DateTimeField(
        label=_("Closes at"),
        required=False,
        widget=_DateTimeInput(),
        help_text=_("Empty: open until an official closes it."),
    )
    allow_anonymous = forms.BooleanField(label=_("Allow anonymous participation"), required=False)
    seed_statements = forms.CharField(
        label=_("Seed statements"),
        help_text=_("One statement per line (at most 140 characters each)."),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )

    def clean_need(self) -> Report | None:
        number = self.cleaned_data.get("need")
        if number is None:
            return None
        report = Report.objects.filter(pk=number).first()
        if report is None:
            raise forms.ValidationError(_("There is no report with this number."))
        return report

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The closing time must come after the opening time."))
        return data
