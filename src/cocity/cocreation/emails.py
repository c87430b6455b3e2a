"""E-mail to the followers of a challenge (django-tasks): the same news as their in-app
notification, for those who consented to e-mail updates (consent ``email_updates``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from cocity.cocreation.models import ChallengeFollow
from cocity.core.mail import absolute_url
from cocity.core.models import ConsentPurpose


@task()
def email_followers_task(
    challenge_id: int, text: str, params: dict[str, Any], link: str, skip: int | None = None
) -> int:
    """E-mail one piece of news (``text``: an English message with ``%(name)s`` placeholders,
    translated into each person's language) to the challenge's followers who allowed e-mail
    updates, never to the person who acted. Returns how many were sent."""
    follows = (
        ChallengeFollow.objects.filter(
            challenge_id=challenge_id,
            user__is_active=True,
            user__consents__purpose=ConsentPurpose.EMAIL_UPDATES,
            user__consents__withdrawn_at=None,
        )
        .select_related("user", "challenge")
        .distinct()
    )
    if skip is not None:
        follows = follows.exclude(user_id=skip)
    url = absolute_url(link)
    messages = []
    for follow in follows:
        with translation.override(follow.user.preferred_language or settings.LANGUAGE_CODE):
            shown = {
                k: _(v) if k in params.get("_translate", []) else v
                for k, v in params.items()
                if k != "_translate"
            }
            subject = _("News on the challenge “%(title)s”") % {"title": follow.challenge.title}
            body = _(text) % shown + "\n\n" + _("See it: %(path)s") % {"path": url}
        messages.append((subject, body, None, [follow.user.email]))
    return send_mass_mail(messages, fail_silently=False) if messages else 0
