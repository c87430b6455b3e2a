"""Background tasks of the needs app (django-tasks API)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from cocity.core.models import ConsentPurpose
from cocity.needs.models import ReportFollow, ReportUpdate


@task()
def notify_followers_task(update_id: int) -> int:
    """Email the followers of a report about one public update. Only people who allowed email
    updates (consent ``email_updates``) get one, never the author. Returns how many were sent."""
    update = ReportUpdate.objects.select_related("report__category").filter(pk=update_id).first()
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
    path = reverse("needs:detail", kwargs={"pk": report.pk})
    messages = []
    for follow in follows:
        user = follow.user
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
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
            lines.append(_("See the report: %(path)s") % {"path": path})
        messages.append((subject, "\n\n".join(lines), None, [user.email]))
    return send_mass_mail(messages, fail_silently=False) if messages else 0
