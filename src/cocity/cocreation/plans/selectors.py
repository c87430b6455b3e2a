"""Reads of co-written plans."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from cocity.cocreation.models_plans import (
    Amendment,
    AmendmentSupport,
    Plan,
    PlanComment,
    PlanCommentFlag,
    PlanFollow,
    PlanSection,
    PlanVersion,
)
from cocity.compute.cocreation import word_diff
from cocity.compute.cocreation.plans import label_words

#: The largest groups of similar comments a section's page shows, and how many of each group's
#: newest comments give its words.
GROUPS_SHOWN = 12
LABEL_SAMPLE = 20
LABEL_ROWS = 300


def plans() -> QuerySet[Plan]:
    return Plan.objects.select_related("created_by").annotate(n_sections=Count("sections"))


def plan_get(pk: int) -> Plan:
    return Plan.objects.select_related("created_by").get(pk=pk)


def plan_followers(plan: Plan) -> QuerySet[Any]:
    from cocity.core.models import User

    return User.objects.filter(plan_follows__plan=plan, is_active=True)


def is_plan_follower(*, plan: Plan, user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return PlanFollow.objects.filter(plan=plan, user=user).exists()


def plan_sections(plan: Plan) -> QuerySet[PlanSection]:
    """The sections in order, with their shown comments and open amendments counted."""
    return (
        PlanSection.objects.filter(plan=plan)
        .annotate(
            n_comments=Count("comments", filter=Q(comments__hidden_at=None), distinct=True),
            n_open=Count("amendments", filter=Q(amendments__status="open"), distinct=True),
        )
        .order_by("position")
    )


def section_get(pk: int) -> PlanSection:
    return PlanSection.objects.select_related("plan").get(pk=pk)


def section_comments(section: PlanSection, user: Any = None) -> QuerySet[PlanComment]:
    """The section's comments, hidden ones included (the page and the API show them as hidden);
    ``flagged``: whether the signed-in ``user`` flagged each."""
    qs = PlanComment.objects.filter(section=section).select_related("author", "organisation")
    if user is not None and user.is_authenticated:
        qs = qs.annotate(
            flagged=Exists(PlanCommentFlag.objects.filter(comment=OuterRef("pk"), user=user))
        )
    return qs


def flagged_comments() -> QuerySet[PlanComment]:
    """The shown comments that people flagged and no moderator has settled yet, the most
    flagged first, each with its open flags (``open_flags``) and their count (``n_flags``)."""
    open_flags = PlanCommentFlag.objects.filter(resolved_at=None).order_by("created_at", "id")
    return (
        PlanComment.objects.filter(
            Exists(open_flags.filter(comment=OuterRef("pk"))), hidden_at=None
        )
        .annotate(n_flags=Count("flags", filter=Q(flags__resolved_at=None)))
        .select_related("author", "organisation", "section", "section__plan")
        .prefetch_related(Prefetch("flags", queryset=open_flags, to_attr="open_flags"))
        .order_by("-n_flags", "created_at", "id")
    )


def comment_groups(section: PlanSection, *, limit: int = GROUPS_SHOWN) -> dict[str, Any]:
    """The section's comments in groups of similar ones, for officials to read groups rather
    than every line. Each comment joined its group when it was written
    (``services.plan_comment_add``), so this counts the largest groups with one query:
    ``count`` (all groups) and ``groups``, the ``limit`` largest, each with its ``size``, its
    first comment (``comment``: id, ``example``: text, empty if a moderator hid it) and
    ``words``, the words most of its newest comments share (among the section's newest
    ``LABEL_ROWS``; else its first's words). Hidden comments are left out."""
    comments = PlanComment.objects.filter(section=section, hidden_at=None)
    top = list(
        comments.filter(group__isnull=False)
        .values("group")
        .annotate(n=Count("pk"))
        .order_by("-n", "group")[:limit]
    )
    if not top:
        return {"count": 0, "groups": []}
    wanted = {t["group"] for t in top}
    leaders = PlanComment.objects.in_bulk(list(wanted))
    bags: dict[int, list[frozenset[str]]] = {g: [] for g in wanted}
    recent = comments.order_by("-created_at", "-id").values_list("group_id", "words")
    for group, text in recent[:LABEL_ROWS]:
        if group in bags and len(bags[group]) < LABEL_SAMPLE:
            bags[group].append(frozenset(text.split()))
    groups = [
        {
            "size": t["n"],
            "comment": t["group"],
            "example": "" if leaders[t["group"]].hidden else leaders[t["group"]].body,
            "words": label_words(
                bags[t["group"]] or [frozenset(leaders[t["group"]].words.split())]
            ),
        }
        for t in top
    ]
    return {"count": comments.filter(group_id=F("id")).count(), "groups": groups}


def section_amendments(section: PlanSection, user: Any = None) -> QuerySet[Amendment]:
    qs = Amendment.objects.filter(section=section).select_related(
        "author", "organisation", "decided_by"
    )
    if user is not None and user.is_authenticated:
        qs = qs.annotate(
            supported=Exists(AmendmentSupport.objects.filter(amendment=OuterRef("pk"), user=user))
        )
    return qs.order_by("-supporters", "-created_at", "-id")


def amendment_get(pk: int) -> Amendment:
    return Amendment.objects.select_related("section", "section__plan", "author").get(pk=pk)


def comment_get(pk: int) -> PlanComment:
    return PlanComment.objects.select_related("section", "section__plan").get(pk=pk)


def plan_versions(plan: Plan) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(plan=plan).select_related("published_by").order_by("number")


def version_get(plan: Plan, number: int) -> PlanVersion:
    return PlanVersion.objects.select_related("published_by").get(plan=plan, number=number)


def version_changes(version: PlanVersion, user: Any = None) -> list[dict[str, Any]]:
    """Each section of ``version`` beside the version before: its word diff, whether it changed,
    and the accepted amendments and comments taken into account that this version carried
    (``mine``: the signed-in person's own among them)."""
    before = (
        PlanVersion.objects.filter(plan_id=version.plan_id, number=version.number - 1).first()
        if version.number > 1
        else None
    )
    old = {s["id"]: s for s in before.sections} if before else {}
    amendments: dict[int, list[Amendment]] = {}
    comments: dict[int, list[PlanComment]] = {}
    for a in Amendment.objects.filter(
        section__plan_id=version.plan_id, applied_in=version.number
    ).select_related("author", "organisation"):
        amendments.setdefault(a.section_id, []).append(a)
    for c in PlanComment.objects.filter(
        section__plan_id=version.plan_id, applied_in=version.number
    ).select_related("author", "organisation"):
        comments.setdefault(c.section_id, []).append(c)
    uid = user.pk if user is not None and user.is_authenticated else None
    out = []
    for s in version.sections:
        prev = old.get(s["id"])
        changed = prev is not None and (
            prev["body"] != s["body"] or prev["heading"] != s["heading"]
        )
        authors = [a.author_id for a in amendments.get(s["id"], [])] + [
            c.author_id for c in comments.get(s["id"], [])
        ]
        out.append(
            {
                "id": s["id"],
                "heading": s["heading"],
                "level": s.get("level", 2),
                "body": s["body"],
                "changed": changed,
                "heading_diff": word_diff(prev["heading"], s["heading"])
                if prev is not None and prev["heading"] != s["heading"]
                else None,
                "diff": word_diff(prev["body"], s["body"]) if changed and prev else None,
                "amendments": amendments.get(s["id"], []),
                "comments": comments.get(s["id"], []),
                "mine": uid is not None and uid in authors,
            }
        )
    return out


def contributions_of(user: Any) -> dict[str, Any]:
    """What a person contributed to plans and what became of it: their amendments (open,
    accepted with the version that carried them, rejected with the reason) and their comments
    taken into account."""
    return {
        "amendments": list(
            Amendment.objects.filter(author=user)
            .select_related("section", "section__plan")
            .order_by("-created_at", "-id")
        ),
        "comments": list(
            PlanComment.objects.filter(author=user, applied_in__isnull=False)
            .select_related("section", "section__plan")
            .order_by("-created_at", "-id")
        ),
    }


def plan_contributions(plan: Plan) -> tuple[QuerySet[PlanComment], QuerySet[Amendment]]:
    """Every comment and amendment on the plan, for the CSV export."""
    return (
        PlanComment.objects.filter(section__plan=plan)
        .select_related("section", "author", "organisation")
        .order_by("section__position", "created_at", "id"),
        Amendment.objects.filter(section__plan=plan)
        .select_related("section", "author", "organisation")
        .order_by("section__position", "created_at", "id"),
    )


def contributors(plan: Plan, number: int) -> list[Any]:
    """The people whose amendments or comments version ``number`` carried."""
    from cocity.core.models import User

    return list(
        User.objects.filter(
            Q(plan_amendments__section__plan=plan, plan_amendments__applied_in=number)
            | Q(plan_comments__section__plan=plan, plan_comments__applied_in=number)
        ).distinct()
    )
