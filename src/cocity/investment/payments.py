"""Payment backends: how a promised pledge becomes money, and how it is given back.

The setting ``COCITY_PAYMENT_BACKEND`` names the class (a dotted path). The default,
:class:`OfflineBackend`, needs nothing external: the pledge page tells the person how to pay
(bank transfer with a reference, or at the city office) and an official marks the pledge
collected when the money arrives. A city connects its payment provider by writing a class with
the same three methods (docs/investment.md)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cocity.investment.models import Pledge


@dataclass(frozen=True)
class PaymentRequest:
    """What the person sees after pledging: instructions, and optionally where to pay online."""

    reference: str
    instructions: str
    redirect_url: str = ""


class PaymentBackend(Protocol):
    #: whether an official marks pledges collected by hand (the offline backend)
    manual: bool

    def request(self, pledge: Pledge) -> PaymentRequest:
        """Called once the campaign reaches its minimum (or at once, if the backend prefers):
        ask for the money. Must not raise for a provider outage; return instructions instead."""
        ...

    def collected(self, pledge: Pledge) -> bool:
        """Whether the money of this pledge has arrived (a provider checks its records)."""
        ...

    def refund(self, pledge: Pledge) -> None:
        """Give the money of a collected pledge back (the campaign missed its minimum)."""
        ...


class OfflineBackend:
    """Money is paid by bank transfer or at the office; an official marks it collected, and
    refunds are paid back by the city's treasury outside cocity (the ledger records them)."""

    manual = True

    def request(self, pledge: Pledge) -> PaymentRequest:
        reference = f"CC-{pledge.campaign_id}-{pledge.pk}"
        return PaymentRequest(
            reference=reference,
            instructions=str(
                _(
                    "Nothing is charged now. If the campaign reaches its minimum, pay by bank "
                    "transfer or at the citizen office quoting the reference %(reference)s."
                )
                % {"reference": reference}
            ),
        )

    def collected(self, pledge: Pledge) -> bool:
        return pledge.collected_at is not None

    def refund(self, pledge: Pledge) -> None:
        return None


@lru_cache(maxsize=4)
def _backend_class(path: str) -> type:
    return import_string(path)


def backend() -> PaymentBackend:
    instance: PaymentBackend = _backend_class(settings.COCITY_PAYMENT_BACKEND)()
    return instance
