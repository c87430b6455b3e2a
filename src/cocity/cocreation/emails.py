"""E-mail to the followers of a challenge or a plan (django-tasks): the same news as their
in-app notification, for those who consented to e-mail updates (consent ``email_updates``),
each in the language they last browsed in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from cocity.cocreation.models import Challenge, ChallengeFollow, Plan, PlanFollow
from cocity.core.mail import absolute_url
from cocity.core.models import ConsentPurpose

CHALLENGE_SUBJECT = gettext_noop("News on the challenge “%(title)s”")
PLAN_SUBJECT = gettext_noop("News on the plan “%(title)s”")

#: The follows whose person is active and allowed e-mail updates.
CONSENTED = {
    "user__is_active": True,
    "user__consents__purpose": ConsentPurpose.EMAIL_UPDATES,
    "user__consents__withdrawn_at": None,
}


def _send(
    follows: QuerySet[Any],
    *,
    subject: str,
    title: str,
    text: str,
    params: dict[str, Any],
    link: str,
    skip: Iterable[int] = (),
) -> int:
    """E-mail ``text`` (an English message with ``%(name)s`` placeholders; the ``params``
    named in ``params["_translate"]`` translated too) to each follow's person in their
    language, under ``subject`` (an English message with ``%(title)s``)."""
    follows = follows.filter(**CONSENTED).exclude(user_id__in=list(skip))
    url = absolute_url(link)
    messages = []
    for follow in follows.select_related("user").distinct():
        with translation.override(follow.user.preferred_language or settings.LANGUAGE_CODE):
            shown = {
                k: _(v) if k in params.get("_translate", []) else v
                for k, v in params.items()
                if k != "_translate"
            }
            body = _(text) % shown + "\n\n" + _("See it: %(path)s") % {"path": url}
            messages.append((_(subject) % {"title": title}, body, None, [follow.user.email]))
    return send_mass_mail(messages, fail_silently=False) if messages else 0


@task()
def email_followers_task(
    challenge_id: int, text: str, params: dict[str, Any], link: str, skip: int | None = None
) -> int:
    """E-mail one piece of news to the challenge's followers who allowed e-mail updates,
    never to the person who acted. Returns how many were sent."""
    title = Challenge.objects.filter(pk=challenge_id).values_list("title", flat=True).first()
    if title is None:
        return 0
    return _send(
        ChallengeFollow.objects.filter(challenge_id=challenge_id),
        subject=CHALLENGE_SUBJECT,
        title=title,
        text=text,
        params=params,
        link=link,
        skip=[skip] if skip is not None else [],
    )


@task()
def email_plan_followers_task(
    plan_id: int, text: str, params: dict[str, Any], link: str, skip: list[int]
) -> int:
    """E-mail one piece of news to the plan's followers who allowed e-mail updates, except
    the people in ``skip`` (who acted, or were told otherwise). Returns how many were sent."""
    title = Plan.objects.filter(pk=plan_id).values_list("title", flat=True).first()
    if title is None:
        return 0
    return _send(
        PlanFollow.objects.filter(plan_id=plan_id),
        subject=PLAN_SUBJECT,
        title=title,
        text=text,
        params=params,
        link=link,
        skip=skip,
    )
