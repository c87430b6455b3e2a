"""HTML pages of deliberation: list, vote one card at a time, add a statement, results with the
opinion map, moderation and the Polis CSV export. Every page works without JavaScript."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cocity.core.throttle import honeypot_filled
from cocity.deliberation import polis, selectors, services
from cocity.deliberation.forms import ConversationForm, StatementForm
from cocity.deliberation.http import anonymous_guard, session_key
from cocity.deliberation.models import AnalysisResult, Conversation, Statement

MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN = 480, 320, 16


def _conversation(pk: int) -> Conversation:
    try:
        return selectors.conversation_get(pk)
    except Conversation.DoesNotExist:
        raise Http404 from None


def conversation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "deliberation/conversation_list.html",
        {
            "conversations": selectors.conversations(),
            "can_create": request.user.has_perm("deliberation.create_conversation"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def conversation_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("deliberation.create_conversation"):
        raise PermissionDenied
    form = ConversationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        conversation = services.conversation_create(
            actor=request.user,  # type: ignore[arg-type]
            topic=data["topic"],
            description=data["description"],
            area=data["area"],
            need=data["need"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            allow_anonymous=data["allow_anonymous"],
            seed_statements=[line for line in data["seed_statements"].splitlines() if line.strip()],
        )
        messages.success(request, _("The conversation is open."))
        return redirect("deliberation:detail", pk=conversation.pk)
    return render(request, "deliberation/conversation_form.html", {"form": form})


def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = _conversation(pk)
    user = request.user if request.user.is_authenticated else None
    participant = selectors.participant_find(
        conversation,
        user=user,
        session_key=session_key(request, create=False),
    )
    done, total = selectors.vote_progress(conversation, participant)
    return render(
        request,
        "deliberation/conversation_detail.html",
        {
            "conversation": conversation,
            "is_open": conversation.is_open(),
            "can_participate": request.user.has_perm("deliberation.participate", conversation),
            "can_moderate": request.user.has_perm("deliberation.moderate"),
            "can_close": request.user.has_perm("deliberation.create_conversation"),
            "statement": selectors.next_statement(conversation, participant),
            "done": done,
            "total": total,
            "form": StatementForm(),
        },
    )


@require_POST
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = _conversation(pk)
    statement = get_object_or_404(
        Statement, conversation=conversation, number=request.POST.get("statement", -1)
    )
    if honeypot_filled(request.POST):  # a bot: refused quietly, nothing is written
        return redirect(reverse("deliberation:detail", kwargs={"pk": pk}) + "#card")
    anonymous_guard(request, conversation, "vote")
    services.vote_cast(
        statement=statement,
        value=request.POST.get("vote", ""),
        user=request.user if request.user.is_authenticated else None,
        session_key=session_key(request, create=True),
    )
    return redirect(reverse("deliberation:detail", kwargs={"pk": pk}) + "#card")


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    services.conversation_close(conversation=_conversation(pk), actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("The conversation is closed."))
    return redirect("deliberation:results", pk=pk)


@require_POST
def statement_add(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = _conversation(pk)
    if honeypot_filled(request.POST):  # a bot: refused quietly, nothing is written
        messages.success(request, _("Thank you."))
        return redirect("deliberation:detail", pk=pk)
    anonymous_guard(request, conversation, "statement")
    form = StatementForm(request.POST)
    body = form.data.get("body", "")
    statement = services.statement_submit(
        conversation=conversation,
        body=body,
        user=request.user if request.user.is_authenticated else None,
        session_key=session_key(request, create=True),
    )
    similar = selectors.similar_statements(conversation, statement.body, exclude=statement.pk)
    if similar:
        messages.warning(
            request,
            _("Similar statements are already in the conversation: %(list)s")
            % {"list": " · ".join(f"“{s.body}”" for s in similar)},
        )
    if statement.status == Statement.Status.ACCEPTED:
        messages.success(request, _("Your statement is now open for votes."))
    else:
        messages.success(
            request,
            _("Thank you. Your statement waits for a moderator; people vote on it once accepted."),
        )
    return redirect("deliberation:detail", pk=pk)


def _opinion_map(analysis: AnalysisResult, colours: dict[int, str]) -> list[dict[str, Any]]:
    points = analysis.projections
    if not points:
        return []
    xs = [p[1] for p in points]
    ys = [p[2] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    width, height = MAP_WIDTH - 2 * MAP_MARGIN, MAP_HEIGHT - 2 * MAP_MARGIN

    def scale(value: float, low: float, high: float, size: int) -> float:
        # a flat axis (everyone in the same place) is drawn in the middle
        return size / 2 if high - low < 1e-12 else (value - low) / (high - low) * size

    # a small fixed offset per participant keeps people who voted identically visible
    return [
        {
            "x": round(MAP_MARGIN + scale(x, x0, x1, width) + (pid * 37 % 9 - 4), 1),
            "y": round(MAP_HEIGHT - MAP_MARGIN - scale(y, y0, y1, height) + (pid * 53 % 9 - 4), 1),
            "colour": colours.get(group, "#9aa0a6"),
            "group": group,
        }
        for pid, x, y, group in points
    ]


def results(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = _conversation(pk)
    data = selectors.results(conversation)
    context: dict[str, Any] = {"conversation": conversation, "results": data}
    if data is not None:
        colours = {g.number: g.colour for g in data["groups"]}
        context["points"] = _opinion_map(data["analysis"], colours)
        context["map_width"], context["map_height"] = MAP_WIDTH, MAP_HEIGHT
        context["unclustered"] = data["analysis"].n_participants - data["analysis"].n_clustered
    return render(request, "deliberation/results.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("deliberation.moderate"):
        raise PermissionDenied
    conversation = _conversation(pk)
    if request.method == "POST":
        statement = get_object_or_404(
            Statement, conversation=conversation, pk=request.POST.get("statement", 0)
        )
        services.statement_moderate(
            statement=statement,
            status=request.POST.get("decision", ""),
            actor=request.user,  # type: ignore[arg-type]
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Decision saved."))
        return redirect("deliberation:moderate", pk=pk)
    return render(
        request,
        "deliberation/moderate.html",
        {"conversation": conversation, "pending": selectors.statements_pending(conversation)},
    )


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    """Every conversation with statements waiting for a moderator, the longest-waiting first."""
    if not request.user.has_perm("deliberation.moderate"):
        raise PermissionDenied
    return render(
        request,
        "deliberation/moderation.html",
        {"conversations": selectors.moderation_overview()},
    )


def export(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    if name not in ("votes", "comments"):
        raise Http404
    conversation = _conversation(pk)
    buffer = io.StringIO()
    if name == "votes":
        polis.write_votes(conversation, buffer)
    else:
        polis.write_comments(conversation, buffer)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="conversation-{pk}-{name}.csv"'
    return response
