"""Background tasks of the needs app (django-tasks API)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from cocity.core.mail import absolute_url
from cocity.core.models import ConsentPurpose
from cocity.needs.models import ReportFollow, ReportUpdate


@task()
def notify_followers_task(update_id: int) -> int:
    """Email the followers of a report about one public update. Only people who allowed email
    updates (consent ``email_updates``) get one, never the author; so does the ``email`` of a
    report filed through an Open311 app that asks for that consent. Links are absolute
    (``COCITY_BASE_URL``). Returns how many were sent."""
    update = (
        ReportUpdate.objects.select_related("report__category", "report__api_key")
        .filter(pk=update_id)
        .first()
    )
    if update is None or not update.public:
        return 0
    report = update.report
    follows = (
        ReportFollow.objects.filter(
            report=report,
            user__is_active=True,
            user__consents__purpose=ConsentPurpose.EMAIL_UPDATES,
            user__consents__withdrawn_at=None,
        )
        .select_related("user")
        .distinct()
    )
    if update.author_id is not None:
        follows = follows.exclude(user_id=update.author_id)
    link = absolute_url(reverse("needs:detail", kwargs={"pk": report.pk}))
    recipients = [(follow.user.email, follow.user.preferred_language) for follow in follows]
    # a report filed through an Open311 app that asked its user's consent to e-mail updates
    # (its key's ``email_consent``) gets them at the ``email`` the app sent, in the language the
    # app asked in (``contact_language``)
    if (
        report.contact_email
        and report.api_key is not None
        and report.api_key.email_consent
        and report.contact_email.lower() not in {e.lower() for e, _lang in recipients}
    ):
        recipients.append((report.contact_email, report.contact_language))
    messages = []
    for email, language in recipients:
        with translation.override(language or settings.LANGUAGE_CODE):
            subject = _("Update on report #%(number)s: %(category)s") % {
                "number": report.pk,
                "category": report.category.label,
            }
            lines = []
            if update.new_status:
                lines.append(
                    _("New status: %(status)s") % {"status": update.get_new_status_display()}
                )
            if update.text:
                lines.append(update.text)
            lines.append(_("See the report: %(path)s") % {"path": link})
        messages.append((subject, "\n\n".join(lines), None, [email]))
    return send_mass_mail(messages, fail_silently=False) if messages else 0
