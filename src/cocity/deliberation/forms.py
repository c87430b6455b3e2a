from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cocity.deliberation.models import STATEMENT_MAX_LENGTH


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
    allow_anonymous = forms.BooleanField(label=_("Allow anonymous participation"), required=False)
    seed_statements = forms.CharField(
        label=_("Seed statements"),
        help_text=_("One statement per line (at most 140 characters each)."),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )
