"""A co-written plan in the browser: an official (in English) publishes a draft from Markdown;
residents (in Spanish, on phones) comment on a passage they select and propose an amendment
to it, and another supports it; the official accepts it with a reason, marks a comment as taken
into account and publishes version 2; the resident sees what changed because of them. axe-core
on every page; screenshots."""

from __future__ import annotations

from typing import Any

import pytest
from tests.e2e.test_needs import sign_in, sign_out, t

from cocity.cocreation.models_plans import Amendment, Plan, PlanComment

pytestmark = pytest.mark.django_db(transaction=True)

DRAFT = """# Green streets plan

How the city brings shade to its streets.

## Trees

Plant 500 trees by 2030 on the widest streets.

## Water

Collect rain water in the parks.
"""


def _select(page: Any, passage: str) -> None:
    """Select ``passage`` in the section's text as a reader would with the mouse."""
    page.evaluate(
        """(passage) => {
            const el = document.getElementById("section-text");
            const node = el.firstChild;
            const start = node.textContent.indexOf(passage);
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, start + passage.length);
            const sel = window.getSelection();
            sel.removeAllRanges();
            sel.addRange(range);
            el.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
        }""",
        passage,
    )


@pytest.mark.slow
def test_officials_and_residents_write_a_plan_together(
    live_server: Any, city: dict[str, Any], browser: Any, axe: Any, shot: Any
) -> None:
    users = city["users"]
    base = live_server.url

    def es(text: str, **params: Any) -> str:
        return t("es", text, **params)

    assert es("Propose the amendment") != "Propose the amendment"
    desk = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    official = desk.new_page()
    sign_in(official, base, users["official"].email)
    official.goto(f"{base}/challenges/plans/")
    official.get_by_role("link", name="Publish a draft plan").click()
    official.get_by_label("Draft in Markdown").fill(DRAFT)
    axe(official)
    shot(official, "plans-import")
    official.get_by_role("button", name="Publish the draft").click()
    official.get_by_role("heading", name="Green streets plan").wait_for()
    plan = Plan.objects.get()
    trees = plan.sections.get(heading="Trees")
    axe(official)

    # a resident on a phone, in Spanish, selects a passage, comments on it and amends it
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-ES")
    page = phone.new_page()
    sign_in(page, base, users["resident"].email, "es")
    page.goto(f"{base}/challenges/plans/{plan.pk}/")
    page.get_by_role("link", name="Trees").click()
    page.get_by_role("heading", name="Trees").wait_for()
    page.wait_for_load_state("load")
    _select(page, "500 trees")
    comment = page.locator("form[action$='/comments/']")
    assert comment.get_by_label(es("Passage (optional)")).input_value() == "500 trees"
    comment.get_by_label(es("Your comment")).fill("Not enough shade.")
    comment.get_by_role("button", name=es("Comment")).click()
    page.get_by_text(es("Your comment is published.")).wait_for()
    _select(page, "500 trees")
    amend = page.locator("form[action$='/amendments/']")
    amend.get_by_label(es("New text")).fill("1,000 trees")
    amend.get_by_label(es("Why")).fill("Shade on every street")
    amend.get_by_role("button", name=es("Propose the amendment")).click()
    page.get_by_text(es("Your amendment is published: others can support it.")).wait_for()
    amendment = Amendment.objects.get()
    assert (amendment.quote, amendment.quote_start) == ("500 trees", trees.body.index("500"))
    axe(page)
    shot(page, "plans-section-es")
    sign_out(page, "es")

    # a neighbour supports it without JavaScript's help
    sign_in(page, base, users["moderator"].email, "es")
    page.goto(f"{base}/challenges/plans/{plan.pk}/sections/{trees.pk}/")
    page.get_by_role("button", name=es("Support"), exact=True).click()
    page.get_by_text(es("%(n)s supporter", n=2).replace("%(n)s", "2")).first.wait_for()
    sign_out(page, "es")

    # the official accepts it with a reason, takes the comment into account, publishes v2
    official.goto(f"{base}/challenges/plans/{plan.pk}/sections/{trees.pk}/")
    decide = official.locator(f"form[action$='/amendments/{amendment.pk}/decide/']")
    decide.get_by_label("Accept").check()
    decide.get_by_label("Reason").fill("Agreed: the budget allows it.")
    decide.get_by_role("button", name="Decide").click()
    official.get_by_text("The amendment is accepted: the section's text changed.").wait_for()
    official.get_by_role("button", name="Taken into account").click()
    official.get_by_text("taken into account for the next version").wait_for()
    axe(official)
    shot(official, "plans-section-official")
    official.goto(f"{base}/challenges/plans/{plan.pk}/")
    official.get_by_label("What changed").fill("After the first comments")
    official.get_by_role("button", name="Publish the new version").click()
    official.get_by_role("heading", name="Version 2").wait_for()
    assert PlanComment.objects.get().applied_in == 2

    # the resident sees what changed because of them
    sign_in(page, base, users["resident"].email, "es")
    page.goto(f"{base}/challenges/plans/mine/")
    axe(page)
    shot(page, "plans-mine-es")
    page.get_by_role("link", name=es("see the change in version %(n)s", n=2)).first.click()
    page.get_by_text(es("because of you")).first.wait_for()
    assert page.locator("del").first.inner_text().strip().endswith("500")
    assert page.locator("ins").first.inner_text().strip().endswith("1,000")
    axe(page)
    shot(page, "plans-version-es")
    phone.close()
    desk.close()


@pytest.mark.slow
def test_residents_flag_a_comment_a_moderator_hides_it_and_followers_hear_of_versions(
    live_server: Any, city: dict[str, Any], browser: Any, axe: Any, shot: Any
) -> None:
    """A neighbour (in Spanish, on a phone) follows a plan and flags a rude comment; a
    moderator (in English) hides it with a reason on the moderation page; readers see it
    hidden; an official moves a section up and publishes version 2; the follower is told."""
    from cocity.cocreation.plans import services

    users = city["users"]
    base = live_server.url

    def es(text: str, **params: Any) -> str:
        return t("es", text, **params)

    plan = services.plan_import(actor=users["official"], markdown=DRAFT)
    trees = plan.sections.get(heading="Trees")
    rude = services.plan_comment_add(
        section=trees, author=users["resident"], body="Whoever wrote this is a fool."
    )

    # the neighbour follows the plan and flags the comment, without JavaScript's help
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-ES")
    page = phone.new_page()
    sign_in(page, base, users["organisation_member"].email, "es")
    page.goto(f"{base}/challenges/plans/{plan.pk}/")
    page.get_by_role("button", name=es("Follow this plan")).click()
    page.get_by_text(es("You follow this plan.")).wait_for()
    page.get_by_role("button", name=es("Unfollow this plan")).wait_for()
    axe(page)
    shot(page, "plans-follow-es")
    page.goto(f"{base}/challenges/plans/{plan.pk}/sections/{trees.pk}/")
    item = page.locator(f"#comment-{rude.pk}")
    item.get_by_text(es("Flag for the moderators")).click()
    item.get_by_label(es("What is wrong (optional)")).fill("Insulta a quien escribió el plan")
    axe(page)
    shot(page, "plans-flag-es")
    item.get_by_role("button", name=es("Flag"), exact=True).click()
    page.get_by_text(es("Thank you: a moderator will look at this comment.")).wait_for()
    page.get_by_text(es("You flagged this comment for the moderators.")).wait_for()

    # the moderator finds it on the moderation page and hides it with a reason
    desk = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    staff = desk.new_page()
    sign_in(staff, base, users["moderator"].email)
    staff.goto(f"{base}/challenges/moderation/")
    card = staff.locator(f"#plan-comment-{rude.pk}")
    card.get_by_text("Flagged by 1 person").wait_for()
    card.get_by_text("Insulta a quien escribió el plan").wait_for()
    card.get_by_label("Reason (needed to hide; its author and readers see it)").fill(
        "Personal attacks are not allowed."
    )
    axe(staff)
    shot(staff, "plans-moderation")
    card.get_by_role("button", name="Hide the comment").click()
    staff.get_by_text("The comment is hidden; its author is told why.").wait_for()
    staff.get_by_text("No comments on plans are flagged.").wait_for()
    assert PlanComment.objects.get(pk=rude.pk).hidden_reason == "Personal attacks are not allowed."

    # readers see that it was hidden and why, not what it said
    page.reload()
    page.get_by_text(es("A moderator hid this comment.")).wait_for()
    assert page.get_by_text("Whoever wrote this is a fool.").count() == 0
    assert page.get_by_text("Personal attacks are not allowed.").count() == 1
    axe(page)
    shot(page, "plans-hidden-es")
    sign_out(staff)

    # an official moves "Water" first and publishes version 2
    sign_in(staff, base, users["official"].email)
    staff.goto(f"{base}/challenges/plans/{plan.pk}/")
    water = plan.sections.get(heading="Water")
    staff.locator(f"#section-{water.pk}").get_by_role("button", name="Move up").click()
    staff.get_by_text("“Water” moved; publish a version to show the new order.").wait_for()
    rows = staff.locator("table tbody tr td:first-child")
    assert [r.strip() for r in rows.all_inner_texts()] == ["Water", "Trees"]
    axe(staff)
    shot(staff, "plans-reorder")
    staff.get_by_label("What changed").fill("Water first")
    staff.get_by_role("button", name="Publish the new version").click()
    staff.get_by_role("heading", name="Version 2").wait_for()

    # the follower is told, in Spanish
    page.goto(f"{base}/notifications/")
    told = es("Version %(number)s of the plan “%(plan)s” is published.", number=2, plan=plan.title)
    page.get_by_role("link", name=told).wait_for()
    axe(page)
    shot(page, "plans-follower-notified-es")
    phone.close()
    desk.close()
