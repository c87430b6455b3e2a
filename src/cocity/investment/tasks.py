"""Background tasks of the investment app (django-tasks API). Run them on a schedule (e.g.
every few minutes from cron: ``cocity invest_tick``)."""

from __future__ import annotations

from django.core.mail import send_mass_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from cocity.core.mail import absolute_url
from cocity.core.models import ConsentPurpose
from cocity.investment import services
from cocity.investment.models import VolunteerRole


@task()
def campaigns_close_task() -> int:
    """Close the campaigns whose deadline has passed (release pledges of those that missed)."""
    return services.campaigns_close_due()


@task()
def volunteer_reminders_task() -> int:
    """Remind volunteers the day before their role: in the app, and by e-mail for those who
    allowed e-mail updates. Returns how many people were reminded."""
    reminded = 0
    for role_id in services.reminders_due():
        role = VolunteerRole.objects.select_related("campaign").get(pk=role_id)
        volunteers = services.role_remind(role=role)
        reminded += len(volunteers)
        link = absolute_url(reverse("investment:campaign", kwargs={"slug": role.campaign.slug}))
        consenting = set(
            role.signups.filter(
                volunteer__consents__purpose=ConsentPurpose.EMAIL_UPDATES,
                volunteer__consents__withdrawn_at=None,
            ).values_list("volunteer_id", flat=True)
        )
        messages = []
        for user in volunteers:
            if user.pk not in consenting or not user.email:
                continue
            with translation.override(user.preferred_language or None):
                when = timezone.localtime(role.starts_at).strftime("%Y-%m-%d %H:%M")
                subject = _("Reminder: you volunteer tomorrow")
                body = _("You volunteer as “%(role)s” for “%(title)s” on %(date)s.\n%(link)s") % {
                    "role": role.title,
                    "title": role.campaign.title,
                    "date": when,
                    "link": link,
                }
            messages.append((subject, body, None, [user.email]))
        send_mass_mail(messages, fail_silently=True)
    return reminded
