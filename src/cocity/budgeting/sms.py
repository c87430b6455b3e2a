"""Outgoing SMS through a pluggable backend, in the manner of Django's e-mail backends.

``COCITY_SMS_BACKEND`` names the class. The default, :class:`LogSmsBackend`, writes each message
to the log (as e-mail does without SMTP), so nothing needs a provider to run or be tested;
:class:`LocmemSmsBackend` keeps the messages in :data:`outbox` for tests. A provider's backend
subclasses :class:`BaseSmsBackend` and implements ``send_messages``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("cocity.sms")


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164, e.g. +34600111222
    body: str


class BaseSmsBackend:
    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        """Send the messages; return how many were sent."""
        raise NotImplementedError


class LogSmsBackend(BaseSmsBackend):
    """Each SMS becomes one log record (the number's last digits only)."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        for m in messages:
            logger.info(m.body, extra={"to": "…" + m.to[-3:]})
        return len(messages)


#: What :class:`LocmemSmsBackend` has sent, oldest first.
outbox: list[SmsMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def get_backend() -> BaseSmsBackend:
    backend: BaseSmsBackend = import_string(settings.COCITY_SMS_BACKEND)()
    return backend


def send_sms(to: str, body: str) -> int:
    return get_backend().send_messages([SmsMessage(to=to, body=body)])
