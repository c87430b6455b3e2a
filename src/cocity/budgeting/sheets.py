"""Printable sheets of one-time voting codes, as CSV and as PDF (fpdf2, pure Python)."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from fpdf import FPDF

from cocity.budgeting.models import Envelope


def _latin1(text: str) -> str:
    """The PDF core fonts cover Latin-1: other characters become "?"."""
    return text.encode("latin-1", "replace").decode("latin-1")


def codes_csv(envelope: Envelope, codes: list[str], url: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["process", "budget", "code", "vote_at"])
    for code in codes:
        writer.writerow([envelope.process.slug, envelope.slug, code, url])
    return out.getvalue().encode()


def codes_pdf(envelope: Envelope, codes: list[str], url: str) -> bytes:
    """A4 pages of 10 cut-out slips (2 × 5), each with the budget, the code and where to vote."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(_latin1(f"{envelope.process.label}: {envelope.label}"))
    slip_w, slip_h, left, top = 95.0, 55.0, 10.0, 10.0
    for i, code in enumerate(codes):
        if i % 10 == 0:
            pdf.add_page()
        col, row = (i % 10) % 2, (i % 10) // 2
        x, y = left + col * slip_w, top + row * slip_h
        pdf.set_draw_color(160, 160, 160)
        pdf.rect(x, y, slip_w - 2, slip_h - 2)
        pdf.set_xy(x + 4, y + 4)
        pdf.set_font("Helvetica", "B", 11)
        pdf.multi_cell(slip_w - 10, 5, _latin1(envelope.process.label))
        pdf.set_x(x + 4)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(slip_w - 10, 5, _latin1(envelope.label))
        pdf.set_xy(x + 4, y + 24)
        pdf.set_font("Courier", "B", 16)
        pdf.cell(slip_w - 10, 9, code)
        pdf.set_xy(x + 4, y + 36)
        pdf.set_font("Helvetica", "", 8)
        pdf.multi_cell(
            slip_w - 10,
            4,
            _latin1(_("Vote once with this code at %(url)s. Keep it secret.") % {"url": url}),
        )
    return bytes(pdf.output())
