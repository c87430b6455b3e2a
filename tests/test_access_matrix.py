"""Who may use each page and endpoint, declared once and checked for every role.

The URL conf is walked: a named view that is not declared in ``ACCESS`` fails the test, so every
new page or endpoint must say who may use it. Each declaration is then tried as each role: the
roles it names must get past authorisation (any answer but 401, 403, 404 or the sign-in
redirect), every other role must be turned away."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from tests.needs.conftest import needs  # noqa: F401 - the fixture, shared with the needs tests

from cocity.core.models import Role

pytestmark = pytest.mark.django_db

ANON = "anonymous"
ROLES = [ANON, *Role.values]
EVERYONE = frozenset(ROLES)
SIGNED_IN = frozenset(Role.values)
OFFICIALS = frozenset({Role.OFFICIAL, Role.ADMIN})
MODERATORS = frozenset({Role.MODERATOR, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})
CHALLENGE_HOSTS = frozenset({Role.ORGANISATION_MEMBER, Role.OFFICIAL, Role.ADMIN})
# the world's proposal is the resident's; the admin is a superuser, whom Django allows all
PROPOSAL_AUTHOR = frozenset({Role.RESIDENT, Role.ADMIN})
NOBODY: frozenset[str] = frozenset()
# the world's meeting is called by the organisation member, its host; officials host any meeting
MEETING_HOSTS = frozenset({Role.ORGANISATION_MEMBER, Role.OFFICIAL, Role.ADMIN})

# name -> (method, who gets past authorisation, URL arguments from the world below)
# (a POST is sent with POST_DATA[name], so that it reaches the check it is meant to meet)
ACCESS: dict[str, tuple[str, frozenset[str], dict[str, str]]] = {
    # core
    "core:home": ("GET", EVERYONE, {}),
    "core:area": ("GET", EVERYONE, {"code": "n1"}),
    "core:audit": ("GET", EVERYONE, {}),
    "core:account": ("GET", SIGNED_IN, {}),
    "core:privacy": ("GET", SIGNED_IN, {}),
    "core:public_name": ("POST", SIGNED_IN, {}),
    "core:my_data": ("GET", SIGNED_IN, {}),
    "core:delete_account": ("GET", SIGNED_IN, {}),
    "core:notifications": ("GET", SIGNED_IN, {}),
    "healthz": ("GET", EVERYONE, {}),
    "readyz": ("GET", EVERYONE, {}),
    "set_language": ("POST", EVERYONE, {}),
    # accounts (django-allauth)
    "account_login": ("GET", EVERYONE, {}),
    "account_logout": ("GET", EVERYONE, {}),
    "account_inactive": ("GET", EVERYONE, {}),
    "account_signup": ("GET", EVERYONE, {}),
    "account_reauthenticate": ("GET", SIGNED_IN, {}),
    # sign-in and re-authentication by e-mailed code are off: anonymous visitors find nothing
    # there, signed-in people are sent on to the page they need
    "account_request_reauthentication_code": ("GET", SIGNED_IN, {}),
    "account_confirm_reauthentication_code": ("GET", SIGNED_IN, {}),
    "account_email": ("GET", SIGNED_IN, {}),
    "account_email_verification_sent": ("GET", EVERYONE, {}),
    "account_change_password": ("GET", SIGNED_IN, {}),
    "account_set_password": ("GET", SIGNED_IN, {}),
    "account_reset_password": ("GET", EVERYONE, {}),
    "account_confirm_login_code": ("GET", SIGNED_IN, {}),
    "account_confirm_email": ("GET", EVERYONE, {"key": "not-a-key"}),
    "account_reset_password_from_key_done": ("GET", EVERYONE, {}),
    "account_reset_password_from_key": ("GET", EVERYONE, {"uidb36": "1", "key": "x-y"}),
    "account_reset_password_done": ("GET", EVERYONE, {}),
    # two-factor sign-in (allauth.mfa): set up by the signed-in; deactivating and the recovery
    # codes exist only once an authenticator is set up (404 before, for everyone here); the
    # code step of a sign-in sends the signed-in home and the others to sign in
    "mfa_index": ("GET", SIGNED_IN, {}),
    "mfa_activate_totp": ("GET", SIGNED_IN, {}),
    "mfa_deactivate_totp": ("GET", NOBODY, {}),
    "mfa_view_recovery_codes": ("GET", NOBODY, {}),
    "mfa_generate_recovery_codes": ("GET", SIGNED_IN, {}),
    "mfa_download_recovery_codes": ("GET", NOBODY, {}),
    "mfa_reauthenticate": ("GET", SIGNED_IN, {}),
    "mfa_authenticate": ("GET", SIGNED_IN, {}),
    # REST API
    "api-schema": ("GET", EVERYONE, {}),
    "api-docs": ("GET", EVERYONE, {}),
    "api-token": ("POST", EVERYONE, {}),
    "api-areas": ("GET", EVERYONE, {}),
    "api-area-locate": ("GET", EVERYONE, {}),
    "api-area": ("GET", EVERYONE, {"code": "n1"}),
    "api-departments": ("GET", EVERYONE, {}),
    "api-organisations": ("GET", EVERYONE, {}),
    "api-audit": ("GET", EVERYONE, {}),
    "api-me": ("GET", SIGNED_IN, {}),
    "api-consents": ("GET", SIGNED_IN, {}),
    "api-my-data": ("GET", SIGNED_IN, {}),
    "api-needs-categories": ("GET", EVERYONE, {}),
    "api-needs-reports": ("POST", SIGNED_IN, {}),
    "api-needs-nearby": ("GET", EVERYONE, {}),
    "api-needs-report": ("GET", EVERYONE, {"pk": "report"}),
    "api-needs-support": ("POST", SIGNED_IN, {"pk": "report"}),
    "api-needs-cells": ("GET", EVERYONE, {}),
    "api-needs-points": ("GET", EVERYONE, {}),
    "api-conversations": ("GET", EVERYONE, {}),
    "api-conversation": ("GET", EVERYONE, {"pk": "conversation"}),
    "api-conversation-statements": ("POST", EVERYONE, {"pk": "conversation"}),
    "api-conversation-votes": ("POST", EVERYONE, {"pk": "conversation"}),
    "api-conversation-results": ("GET", EVERYONE, {"pk": "conversation"}),
    "api-challenges": ("GET", EVERYONE, {}),
    "api-challenge": ("GET", EVERYONE, {"pk": "challenge"}),
    "api-proposals": ("GET", EVERYONE, {"pk": "challenge"}),
    "api-proposal": ("GET", EVERYONE, {"pk": "proposal"}),
    "api-proposal-versions": ("GET", EVERYONE, {"pk": "proposal"}),
    "api-initiatives": ("GET", EVERYONE, {}),
    "api-initiative": ("GET", EVERYONE, {"pk": "initiative"}),
    "api-initiative-timeline": ("GET", EVERYONE, {"pk": "initiative"}),
    "api-measurements": ("GET", EVERYONE, {"pk": "indicator"}),
    "api-indicator": ("PATCH", OFFICIALS, {"pk": "indicator"}),  # reading it is public
    "api-survey": ("POST", SIGNED_IN, {"pk": "initiative"}),  # its results are public
    "api-amendments": ("POST", SIGNED_IN, {"pk": "proposal"}),  # the list is public
    "api-amendment-decide": ("POST", PROPOSAL_AUTHOR, {"pk": "proposal_amendment"}),
    "api-meetings": ("POST", CHALLENGE_HOSTS, {"pk": "challenge"}),  # the list is public
    "api-meeting": ("GET", EVERYONE, {"pk": "meeting"}),
    "api-meeting-register": ("POST", SIGNED_IN, {"pk": "meeting"}),
    # Open311 (client apps authenticate with an API key, not an account)
    "open311:discovery": ("GET", EVERYONE, {"fmt": "json"}),
    "open311:services": ("GET", EVERYONE, {"fmt": "json"}),
    "open311:service": ("GET", EVERYONE, {"code": "pothole", "fmt": "json"}),
    "open311:requests": ("GET", EVERYONE, {"fmt": "json"}),
    "open311:request": ("GET", EVERYONE, {"request_id": "report", "fmt": "json"}),
    "open311:updates": ("GET", EVERYONE, {"fmt": "json"}),
    "open311:token": ("GET", EVERYONE, {"token": "token", "fmt": "json"}),
    # needs
    "needs:list": ("GET", EVERYONE, {}),
    "needs:map": ("GET", EVERYONE, {}),
    "needs:open311_apps": ("GET", EVERYONE, {}),
    "needs:report_new": ("GET", EVERYONE, {}),
    "needs:submitted": ("GET", EVERYONE, {"token": "token"}),
    "needs:track": ("GET", EVERYONE, {"token": "token"}),
    "needs:detail": ("GET", EVERYONE, {"pk": "report"}),
    "needs:support": ("POST", SIGNED_IN, {"pk": "report"}),
    "needs:follow": ("POST", SIGNED_IN, {"pk": "report"}),
    "needs:sms": ("POST", NOBODY, {}),  # gateways only, with their key
    "needs:triage": ("GET", OFFICIALS, {}),
    "needs:triage_report": ("GET", OFFICIALS, {"pk": "report"}),
    "needs:categories": ("GET", OFFICIALS, {}),
    "needs:category_edit": ("GET", OFFICIALS, {"pk": "category"}),
    "needs:templates": ("GET", OFFICIALS, {}),
    "needs:template_edit": ("GET", OFFICIALS, {"pk": "template"}),
    "needs:open311_keys": ("GET", ADMINS, {}),
    "needs:open311_key_revoke": ("POST", ADMINS, {"pk": "key"}),
    # deliberation
    "deliberation:list": ("GET", EVERYONE, {}),
    "deliberation:create": ("GET", OFFICIALS, {}),
    "deliberation:detail": ("GET", EVERYONE, {"pk": "conversation"}),
    "deliberation:vote": ("POST", EVERYONE, {"pk": "conversation"}),
    "deliberation:statement_add": ("POST", EVERYONE, {"pk": "conversation"}),
    "deliberation:results": ("GET", EVERYONE, {"pk": "conversation"}),
    "deliberation:moderate": ("GET", MODERATORS, {"pk": "conversation"}),
    "deliberation:moderation": ("GET", MODERATORS, {}),
    "deliberation:close": ("POST", OFFICIALS, {"pk": "conversation"}),
    "deliberation:export": ("GET", EVERYONE, {"pk": "conversation", "name": "votes"}),
    # co-creation
    "cocreation:challenges": ("GET", EVERYONE, {}),
    "cocreation:challenge_create": ("GET", CHALLENGE_HOSTS, {}),
    "cocreation:moderation": ("GET", MODERATORS, {}),
    "cocreation:challenge": ("GET", EVERYONE, {"pk": "challenge"}),
    "cocreation:challenge_follow": ("POST", SIGNED_IN, {"pk": "challenge"}),
    "cocreation:proposal_create": ("GET", SIGNED_IN, {"pk": "challenge"}),
    "cocreation:proposal": ("GET", EVERYONE, {"pk": "proposal"}),
    "cocreation:proposal_edit": ("GET", PROPOSAL_AUTHOR, {"pk": "proposal"}),
    "cocreation:proposal_version": ("GET", EVERYONE, {"pk": "proposal", "number": "1"}),
    "cocreation:proposal_coauthor": ("POST", PROPOSAL_AUTHOR, {"pk": "proposal"}),
    "cocreation:proposal_endorse": ("POST", SIGNED_IN, {"pk": "proposal"}),
    "cocreation:comment_add": ("POST", SIGNED_IN, {"pk": "proposal"}),
    "cocreation:initiative_create": ("POST", OFFICIALS, {"pk": "proposal"}),
    "cocreation:initiative": ("GET", EVERYONE, {"pk": "initiative"}),
    "cocreation:initiative_gate": ("POST", OFFICIALS, {"pk": "initiative"}),
    "cocreation:indicator_add": ("POST", OFFICIALS, {"pk": "initiative"}),
    "cocreation:measurement_add": ("POST", OFFICIALS, {"pk": "initiative"}),
    "cocreation:milestone_add": ("POST", OFFICIALS, {"pk": "initiative"}),
    "cocreation:milestone_done": ("POST", OFFICIALS, {"pk": "milestone"}),
    "cocreation:indicator_csv": ("GET", EVERYONE, {"pk": "indicator"}),
    "cocreation:indicator_edit": ("GET", OFFICIALS, {"pk": "indicator"}),
    "cocreation:milestone_edit": ("GET", OFFICIALS, {"pk": "milestone"}),
    "cocreation:measurements_fill": ("POST", OFFICIALS, {"pk": "initiative"}),
    # the initiative's next gate has its survey open: anyone signed in answers it
    "cocreation:survey_answer": ("POST", SIGNED_IN, {"pk": "initiative"}),
    # amendments: anyone signed in proposes one (not to their own text, a form error says so);
    # the proposal's authors decide (the world's amendment is the moderator's)
    "cocreation:proposal_amendment_create": ("GET", SIGNED_IN, {"pk": "proposal"}),
    "cocreation:proposal_amendment": ("GET", EVERYONE, {"pk": "proposal_amendment"}),
    "cocreation:proposal_amendment_decide": (
        "POST",
        PROPOSAL_AUTHOR,
        {"pk": "proposal_amendment"},
    ),
    # meetings: called by challenge hosts, attended by anyone signed in, reported by their host
    "cocreation:meetings": ("GET", EVERYONE, {}),
    "cocreation:meeting_create": ("GET", CHALLENGE_HOSTS, {"pk": "challenge"}),
    "cocreation:meeting": ("GET", EVERYONE, {"pk": "meeting"}),
    "cocreation:meeting_ics": ("GET", EVERYONE, {"pk": "meeting"}),
    "cocreation:meeting_register": ("POST", SIGNED_IN, {"pk": "meeting"}),
    "cocreation:meeting_report": ("POST", MEETING_HOSTS, {"pk": "meeting"}),
    # co-written plans
    "cocreation:plans": ("GET", EVERYONE, {}),
    "cocreation:plan_create": ("GET", OFFICIALS, {}),
    "cocreation:plan_mine": ("GET", SIGNED_IN, {}),
    "cocreation:plan": ("GET", EVERYONE, {"pk": "plan"}),
    "cocreation:plan_open": ("POST", OFFICIALS, {"pk": "plan"}),
    "cocreation:plan_publish": ("POST", OFFICIALS, {"pk": "plan"}),
    "cocreation:plan_csv": ("GET", EVERYONE, {"pk": "plan"}),
    "cocreation:plan_version": ("GET", EVERYONE, {"pk": "plan", "number": "1"}),
    "cocreation:plan_version_md": ("GET", EVERYONE, {"pk": "plan", "number": "1"}),
    "cocreation:plan_section": ("GET", EVERYONE, {"pk": "plan", "sid": "plan_section"}),
    "cocreation:plan_comment": ("POST", SIGNED_IN, {"pk": "plan", "sid": "plan_section"}),
    "cocreation:plan_amend": ("POST", SIGNED_IN, {"pk": "plan", "sid": "plan_section"}),
    "cocreation:plan_section_edit": ("POST", OFFICIALS, {"pk": "plan", "sid": "plan_section"}),
    "cocreation:amendment_support": ("POST", SIGNED_IN, {"aid": "amendment"}),
    "cocreation:amendment_decide": ("POST", OFFICIALS, {"aid": "amendment"}),
    "cocreation:plan_comment_address": ("POST", OFFICIALS, {"cid": "plan_comment"}),
    "cocreation:plan_follow": ("POST", SIGNED_IN, {"pk": "plan"}),
    "cocreation:plan_section_move": ("POST", OFFICIALS, {"pk": "plan", "sid": "plan_section"}),
    "cocreation:plan_comment_flag": ("POST", SIGNED_IN, {"cid": "plan_comment"}),
    "cocreation:plan_comment_moderate": ("POST", MODERATORS, {"cid": "plan_comment"}),
    "api-plans": ("GET", EVERYONE, {}),
    "api-plan": ("GET", EVERYONE, {"pk": "plan"}),
    "api-plan-versions": ("GET", EVERYONE, {"pk": "plan"}),
    "api-plan-version": ("GET", EVERYONE, {"pk": "plan", "number": "1"}),
    "api-plan-comments": ("GET", EVERYONE, {"pk": "plan_section"}),
    "api-plan-groups": ("GET", EVERYONE, {"pk": "plan_section"}),
    "api-plan-amendments": ("GET", EVERYONE, {"pk": "plan_section"}),
    "api-amendment-support": ("POST", SIGNED_IN, {"pk": "amendment"}),
    "api-amendment-decision": ("POST", OFFICIALS, {"pk": "amendment"}),
    "api-plan-follow": ("GET", SIGNED_IN, {"pk": "plan"}),
    "api-plan-section-position": ("POST", OFFICIALS, {"pk": "plan_section"}),
    "api-plan-comment-flag": ("POST", SIGNED_IN, {"pk": "plan_comment"}),
    # budgeting (the world's process is counting: its ballots can be downloaded)
    "api-budgets": ("GET", EVERYONE, {}),
    "budgeting:list": ("GET", EVERYONE, {}),
    "budgeting:create": ("GET", OFFICIALS, {}),
    "budgeting:receipt": ("GET", EVERYONE, {}),
    "budgeting:detail": ("GET", EVERYONE, {"slug": "process"}),
    "budgeting:edit": ("GET", OFFICIALS, {"slug": "process"}),
    "budgeting:manage": ("GET", OFFICIALS, {"slug": "process"}),
    "budgeting:phase": ("POST", OFFICIALS, {"slug": "process"}),
    "budgeting:envelope_add": ("POST", OFFICIALS, {"slug": "process"}),
    "budgeting:split": ("POST", OFFICIALS, {"slug": "process"}),
    "budgeting:envelope_amount": ("POST", OFFICIALS, {"slug": "process", "envelope": "envelope"}),
    "budgeting:tally": ("POST", OFFICIALS, {"slug": "process"}),
    "budgeting:idea": ("GET", EVERYONE, {"slug": "process", "pk": "idea"}),
    "budgeting:idea_review": ("POST", OFFICIALS, {"slug": "process", "pk": "idea"}),
    "budgeting:envelope": ("GET", EVERYONE, {"slug": "process", "envelope": "envelope"}),
    "budgeting:idea_create": ("GET", SIGNED_IN, {"slug": "process", "envelope": "envelope"}),
    "budgeting:ballot": ("GET", SIGNED_IN, {"slug": "process", "envelope": "envelope"}),
    "budgeting:results": ("GET", EVERYONE, {"slug": "process", "envelope": "envelope"}),
    "budgeting:pb": ("GET", EVERYONE, {"slug": "process", "envelope": "envelope"}),
    # sensing
    "sensing:list": ("GET", EVERYONE, {}),
    "opendata:index": ("GET", EVERYONE, {}),
    "opendata:catalog": ("GET", EVERYONE, {}),
    "opendata:dataset": ("GET", EVERYONE, {"dataset": "od_dataset"}),
    "opendata:datapackage": (
        "GET",
        EVERYONE,
        {"dataset": "od_dataset", "version": "od_version"},
    ),
    "opendata:file": (
        "GET",
        EVERYONE,
        {"dataset": "od_dataset", "version": "od_version", "name": "od_file"},
    ),
    "opendata:latest": ("GET", EVERYONE, {"dataset": "od_dataset", "name": "od_file"}),
    "sensing:detail": ("GET", EVERYONE, {"pk": "sensor"}),
    "sensing:area": ("GET", EVERYONE, {"code": "n1"}),
    # equity: public aggregates (no person is named), the alerts and their outreach kit too
    "equity:overview": ("GET", EVERYONE, {}),
    "equity:district": ("GET", EVERYONE, {"code": "n1"}),
    "equity:alert": ("GET", EVERYONE, {"pk": "alert"}),
    "api-indicators": ("GET", EVERYONE, {}),
    "api-district": ("GET", EVERYONE, {"code": "n1"}),
    "api-representation": ("GET", EVERYONE, {}),
    "api-inequality": ("GET", EVERYONE, {}),
    "api-alerts": ("GET", EVERYONE, {}),
    # NGSI-LD: reads are public, writes need a sensor key (no account gets through)
    "ngsi-ld:entities": ("GET", EVERYONE, {}),
    "ngsi-ld:entity": ("GET", EVERYONE, {"entity_id": "entity"}),
    "ngsi-ld:entity_attrs": ("POST", NOBODY, {"entity_id": "entity"}),
    "ngsi-ld:batch": ("POST", NOBODY, {"operation": "upsert"}),
    "ngsi-ld:temporal_entity": ("GET", EVERYONE, {"entity_id": "entity"}),
    # subscriptions belong to a sensor key, a broker's notifications and uploads need one
    "ngsi-ld:subscriptions": ("GET", NOBODY, {}),
    "ngsi-ld:subscription": ("GET", NOBODY, {"sub_id": "urn:ngsi-ld:Subscription:x"}),
    "ngsi-ld:notifications_in": ("POST", NOBODY, {}),
    "api-sensing-upload": ("POST", NOBODY, {}),
    # data stewards and officials: uploads and sensor evidence
    "sensing:upload": ("GET", OFFICIALS, {}),
    "sensing:keys": ("GET", OFFICIALS, {}),
    "sensing:key_revoke": ("GET", OFFICIALS, {"pk": "sensor_key"}),
    "sensing:evidence": ("GET", OFFICIALS, {}),
    "sensing:evidence_decide": ("POST", OFFICIALS, {"pk": "suggestion", "action": "dismiss"}),
    "budgeting:eligibility": ("POST", OFFICIALS, {"slug": "process"}),
    "budgeting:ballot_code": ("GET", EVERYONE, {"slug": "process", "envelope": "envelope"}),
    "budgeting:paper": ("GET", OFFICIALS, {"slug": "process", "envelope": "envelope"}),
    "budgeting:codes": ("POST", OFFICIALS, {"slug": "process", "envelope": "envelope"}),
    # investment (the world's call is open, its campaign takes pledges, its offering requests)
    "api-invest-calls": ("GET", EVERYONE, {}),
    "api-invest-call": ("GET", EVERYONE, {"slug": "call"}),
    "api-invest-call-pledges": ("GET", EVERYONE, {"slug": "call"}),
    "api-invest-campaigns": ("GET", EVERYONE, {}),
    "api-invest-campaign": ("GET", EVERYONE, {"slug": "campaign"}),
    "api-invest-campaign-pledge": ("POST", SIGNED_IN, {"slug": "campaign"}),
    "api-invest-offerings": ("GET", EVERYONE, {}),
    "investment:index": ("GET", EVERYONE, {}),
    "investment:campaign": ("GET", EVERYONE, {"slug": "campaign"}),
    "investment:campaign_create": ("GET", CHALLENGE_HOSTS, {}),
    "investment:role_add": ("POST", OFFICIALS, {"slug": "campaign"}),
    "investment:pledge": ("POST", SIGNED_IN, {"slug": "campaign"}),
    "investment:signup": ("POST", SIGNED_IN, {"slug": "campaign", "pk": "role"}),
    "investment:collect": ("POST", OFFICIALS, {"slug": "campaign", "pk": "pledge"}),
    "investment:call": ("GET", EVERYONE, {"slug": "call"}),
    "investment:call_close": ("POST", OFFICIALS, {"slug": "call"}),
    "investment:call_create": ("GET", OFFICIALS, {}),
    "investment:call_export": ("GET", EVERYONE, {"slug": "call", "fmt": "json"}),
    "investment:offering": ("GET", EVERYONE, {"slug": "offering"}),
    "investment:offering_request": ("POST", SIGNED_IN, {"slug": "offering"}),
    "investment:offering_allocate": ("POST", OFFICIALS, {"slug": "offering"}),
    "investment:offering_create": ("GET", OFFICIALS, {}),
    # the world's organisation member helps at the process's booths
    "budgeting:assisted": (
        "GET",
        frozenset({Role.ORGANISATION_MEMBER}),
        {"slug": "process", "envelope": "envelope"},
    ),
    "budgeting:booth_helpers": ("POST", OFFICIALS, {"slug": "process"}),
    "budgeting:phone": ("GET", SIGNED_IN, {"slug": "process"}),  # the process asks for SMS
    "budgeting:idea_support": ("POST", SIGNED_IN, {"slug": "process", "pk": "idea"}),
    "budgeting:shortlist": ("POST", OFFICIALS, {"slug": "process"}),
    "budgeting:merge": ("GET", EVERYONE, {"slug": "process", "pk": "merge"}),
    "budgeting:merge_propose": ("POST", OFFICIALS, {"slug": "process", "pk": "idea"}),
    "budgeting:implementation": ("POST", OFFICIALS, {"slug": "process", "pk": "idea"}),
}


POST_DATA = {
    "deliberation:vote": {"statement": "statement", "vote": "1"},
    "cocreation:survey_answer": {"rating": "4", "go_ahead": "on"},
    "api-survey": {"rating": "4", "go_ahead": "true"},
    # a valid body, so that the service's check is met (a rejection without a reason stays
    # pending for the next role)
    "api-amendment-decide": {"accept": "false", "reason": ""},
    "api-meetings": {
        "title": "Walk",
        "agenda": "Where lamps go",
        "starts_at": "2030-01-01T10:00:00Z",
        "ends_at": "2030-01-01T12:00:00Z",
        "place": "Hall",
    },
}


def _named_views(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            if inner == "admin":
                continue  # Django's admin: staff only, checked below
            yield from _named_views(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


def test_every_view_declares_who_may_use_it() -> None:
    names = set(_named_views(get_resolver().url_patterns))
    undeclared = sorted(names - set(ACCESS))
    assert not undeclared, f"declare who may use these views in ACCESS: {undeclared}"
    gone = sorted(set(ACCESS) - names)
    assert not gone, f"ACCESS names views that no longer exist: {gone}"


@pytest.fixture
def world(needs: dict[str, Any]) -> dict[str, str]:  # noqa: F811 - the imported fixture
    """One of everything a URL can point at, made through the services."""
    from cocity.cocreation import services as cocreation
    from cocity.deliberation import services as deliberation
    from cocity.needs import services
    from cocity.needs.models import Open311Key, ResponseTemplate
    from cocity.sensing import services as sensing

    lat, lon = needs["points"]["n1"]
    report = services.report_submit(
        category=needs["categories"]["pothole"],
        description="A hole",
        lat=lat,
        lon=lon,
        attributes={"size": "small"},
        reporter=needs["users"]["resident"],
    )
    conversation = deliberation.conversation_create(
        actor=needs["users"]["official"],
        topic="Streets",
        description="",
        allow_anonymous=True,
        seed_statements=["More benches."],
    )
    users = needs["users"]
    challenge = cocreation.challenge_create(
        actor=users["organisation_member"], title="Dark streets", statement="S", reports=[report]
    )
    proposal = cocreation.proposal_submit(
        author=users["resident"], challenge=challenge, title="Lamps", body="More lamps"
    )
    initiative = cocreation.initiative_create(proposal=proposal, actor=users["official"])
    indicator = cocreation.indicator_add(
        initiative=initiative,
        actor=users["official"],
        name="Lamps",
        unit="n",
        baseline=1,
        target=2,
        target_date=date(2027, 1, 1),
    )
    milestone = cocreation.milestone_add(initiative=initiative, actor=users["official"], title="M")
    proposal_amendment = cocreation.amendment_propose(
        proposal=proposal, author=users["moderator"], title="Lamps", body="Brighter lamps"
    )
    now = timezone.now()
    meeting = cocreation.meeting_create(
        challenge=challenge,
        actor=users["organisation_member"],
        title="Walk",
        agenda="Where lamps go",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        place="Hall",
    )
    from cocity.cocreation.plans import services as plans

    plan = plans.plan_import(actor=users["official"], markdown="# Plan\n\n## One\n\nText one.")
    plan_section = plan.sections.get()
    amendment = plans.amendment_propose(
        section=plan_section, author=users["resident"], text="Text two."
    )
    plan_comment = plans.plan_comment_add(
        section=plan_section, author=users["resident"], body="Good"
    )
    sensor = sensing.sensor_register(
        device_id="s1", entity_type="AirQualityObserved", owner=None, lat=lat, lon=lon
    )
    from cocity.sensing.models import EvidenceRule, EvidenceSuggestion

    sensing.evidence_rules_defaults()
    suggestion = EvidenceSuggestion.objects.create(
        rule=EvidenceRule.objects.get(quantity="pm25"),
        area=sensor.area,
        days=[["2026-03-01", 20.0]],
        peak=20.0,
    )
    sensor_key, _secret = sensing.sensor_key_create(name="Provider")
    alert = _equity_world(needs)
    from cocity.equity.opendata.services import release_publish

    release_publish(dataset="district-indicators")
    return {
        "alert": str(alert.pk),
        "od_dataset": "district-indicators",
        "od_version": "1",
        "od_file": "district-indicators.csv",
        "challenge": str(challenge.pk),
        "proposal": str(proposal.pk),
        "initiative": str(initiative.pk),
        "indicator": str(indicator.pk),
        "milestone": str(milestone.pk),
        "proposal_amendment": str(proposal_amendment.pk),
        "meeting": str(meeting.pk),
        "plan": str(plan.pk),
        "plan_section": str(plan_section.pk),
        "amendment": str(amendment.pk),
        "plan_comment": str(plan_comment.pk),
        "suggestion": str(suggestion.pk),
        **_budget_world(needs),
        **_invest_world(needs),
        "entity": sensor.entity_id,
        "sensor": str(sensor.pk),
        "sensor_key": str(sensor_key.pk),
        "statement": str(conversation.statements.get().number),
        "report": str(report.pk),
        "token": report.tracking_token,
        "conversation": str(conversation.pk),
        "template": str(ResponseTemplate.objects.order_by("pk").first().pk),  # type: ignore[union-attr]
        "key": str(Open311Key.objects.get().pk),
        "category": str(needs["categories"]["pothole"].pk),  # the roads official's
    }


def _equity_world(needs: dict[str, Any]) -> Any:  # noqa: F811 - the fixture's value
    """The equity snapshot, and an alert: nobody from n1 in an open process of 30."""
    from cocity.equity import services as equity

    equity.equity_refresh()
    now = timezone.now()
    areas = needs["areas"]
    opened = {
        "kind": "conversation",
        "id": 1,
        "title": "Streets",
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=1),
        "area": None,
        "link": "/conversations/1/",
        "participants": {areas[c].pk: 10 for c in ("n2", "s1", "s2")},
    }
    return equity.alerts_check(opened=[opened], now=now)[0]


def _budget_world(needs: dict[str, Any]) -> dict[str, str]:  # noqa: F811 - the fixture's value
    from cocity.budgeting import services as budgeting
    from cocity.budgeting.models import ImplementationProject

    official = needs["users"]["official"]
    now = timezone.now()
    process = budgeting.process_create(
        actor=official,
        slug="pb",
        title="Budget",
        ideas_opens_at=now,
        review_opens_at=now + timedelta(days=1),
        voting_opens_at=now + timedelta(days=2),
        voting_closes_at=now + timedelta(days=3),
        sms_verification=True,
    )
    envelope = budgeting.envelope_create(
        actor=official, process=process, slug="city", name="City", amount=1000
    )
    idea = budgeting.idea_submit(
        author=needs["users"]["resident"], envelope=envelope, title="Trees", body="More trees."
    )
    budgeting.idea_review(actor=official, idea=idea, accept=True, cost=100)
    alike = budgeting.idea_submit(
        author=needs["users"]["resident"], envelope=envelope, title="Trees", body="Trees too."
    )
    merge = budgeting.merge_propose(actor=official, target=idea, others=[alike], reason="Alike")
    budgeting.booth_helper_grant(
        actor=official, process=process, user=needs["users"]["organisation_member"]
    )
    budgeting.process_set_phase(actor=official, process=process, phase="tally")
    ImplementationProject.objects.create(idea=idea)  # as if it had won
    return {
        "process": process.slug,
        "envelope": envelope.slug,
        "idea": str(idea.pk),
        "merge": str(merge.pk),
    }


def _invest_world(needs: dict[str, Any]) -> dict[str, str]:  # noqa: F811 - the fixture's value
    from cocity.core.models import Organisation
    from cocity.investment import services as invest

    official = needs["users"]["official"]
    organisation = Organisation.objects.order_by("pk").first()
    now = timezone.now()
    call = invest.call_create(
        actor=official,
        slug="fund",
        title="Fund",
        sponsor=organisation,  # type: ignore[arg-type]
        rule={"kind": "fixed", "pot": 1000},
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=9),
    )
    campaign = invest.campaign_create(
        actor=official,
        slug="benches",
        title="Benches",
        organisation=organisation,
        call=call,
        deadline=call.closes_at,
    )
    role = invest.role_add(
        actor=official, campaign=campaign, title="Paint", starts_at=call.closes_at, slots=50
    )
    pledge, _ = invest.pledge_make(pledger=official, campaign=campaign, amount=100)
    offering = invest.offering_create(
        actor=official,
        slug="solar",
        title="Solar",
        organisation=organisation,
        unit_price=100,
        units=10,
        cap_per_person=2,
        term="1 year",
        stated_return="none",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
        seed="s",
    )
    return {
        "call": call.slug,
        "campaign": campaign.slug,
        "role": str(role.pk),
        "pledge": str(pledge.pk),
        "offering": offering.slug,
    }


def _allowed(res: Any) -> bool:
    if res.status_code in (401, 403, 404):
        return False
    return not (res.status_code in (301, 302) and "/accounts/login/" in res.get("Location", ""))


def test_only_the_declared_roles_get_through(
    world: dict[str, str],
    needs: dict[str, Any],  # noqa: F811 - the imported fixture
) -> None:
    clients = {ANON: Client()}
    for role in Role.values:
        clients[role] = Client()
        clients[role].force_login(needs["users"][role])
    wrong = []
    for name, (method, allowed, args) in sorted(ACCESS.items()):
        url = reverse(name, kwargs={k: world.get(v, v) for k, v in args.items()})
        data = {k: world.get(v, v) for k, v in POST_DATA.get(name, {}).items()}
        for role, client in clients.items():
            if method == "PATCH":
                res = client.patch(url, data, content_type="application/json")
            elif method == "POST":
                res = client.post(url, data)
            else:
                res = client.get(url)
            if _allowed(res) != (role in allowed):
                wrong.append(
                    f"{method} {url} as {role}: {res.status_code} {res.get('Location', '')}"
                )
    assert not wrong, "\n".join(wrong)


def test_the_admin_site_is_for_admins_only(needs: dict[str, Any]) -> None:  # noqa: F811
    for role in ROLES:
        client = Client()
        if role != ANON:
            client.force_login(needs["users"][role])
        res = client.get("/admin/")
        assert (res.status_code == 200) == (role == Role.ADMIN), role
