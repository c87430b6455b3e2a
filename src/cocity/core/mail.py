"""E-mail without an SMTP server: each message becomes one log record (a JSON line on stderr).

Django's console backend writes to stdout, which no log collector sees as JSON and which a
Celery worker redirects; this backend logs instead, so an e-mail sent by an app server, by
``cocity worker`` or by a Celery worker shows up in the same stream as everything else."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

logger = logging.getLogger("cocity.mail")


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse``) as a link that works outside the site, in an e-mail: prefixed
    with ``COCITY_BASE_URL``. Workers have no request to take the host from."""
    return f"{settings.COCITY_BASE_URL}{path}"


class LogEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            logger.info(
                message.message().as_string(),
                extra={"to": message.recipients(), "subject": message.subject},
            )
            sent += 1
        return sent
