"""The OpenAPI schema tells the truth: schemathesis over /api/schema/.

Every operation of the REST API gets generated requests, valid and invalid, through the Django
WSGI app in this process, three times: as an anonymous client, as a resident and as an official
(DRF tokens). Each answer must pass schemathesis's checks: no server error, a status code the
schema documents, the documented media type, the documented headers, and a body that validates
against the documented schema. A refused request (4xx) must also leave the database as it was.

Bounded and the same on every run: per operation and role, schemathesis's coverage phase (cases
built from the schema: each parameter missing, at and past its bounds, of a wrong type; bodies of
every wrong type; about 900 requests for the whole API) and ``EXAMPLES`` requests Hypothesis
draws, derandomized, in positive and negative mode. One drawn example in two puts a real row's id
or code where the schema asks for one (paths, query, body), so they reach real rows as well as
404s and validation errors.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode, checks
from schemathesis.errors import FailureGroup
from tests.needs.conftest import N1, S2

from cocity.core.models import AuditEntry, ConsentRecord
from cocity.deliberation import services as deliberation
from cocity.deliberation.models import Participant, Statement, Vote
from cocity.needs import services as needs_services
from cocity.needs.models import Report, ReportFollow, ReportSupport, ReportUpdate, Status

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = 25  # per operation and role
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
ROLES = ["anonymous", "resident", "official"]
# what a failed request must not have written
TABLES = [
    Report,
    ReportUpdate,
    ReportSupport,
    ReportFollow,
    Statement,
    Vote,
    Participant,
    ConsentRecord,
    AuditEntry,
    Token,
]


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """The WSGI app would close the test's database connection after each request (as Django's
    test client prevents too), which breaks the test transaction on PostgreSQL."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world(needs: dict[str, Any]) -> dict[str, Any]:
    """A little of everything the API serves: reports (open, closed with a public update, the
    resident's own), a conversation that allows anonymous votes, with votes and an analysis."""
    users = needs["users"]
    submit = needs_services.report_submit
    own = submit(
        category=needs["categories"]["pothole"],
        lat=N1[0],
        lon=N1[1],
        description="Deep hole",
        attributes={"size": "large"},
        reporter=users["resident"],
    )
    fixed = submit(
        category=needs["categories"]["tree"], lat=S2[0], lon=S2[1], description="Fallen tree"
    )
    needs_services.report_change_status(
        report=fixed, status=Status.FIXED, actor=users["admin"], note="Removed."
    )
    other = submit(
        category=needs["categories"]["tree"], lat=N1[0], lon=N1[1], description="Branches"
    )
    conversation = deliberation.conversation_create(
        actor=users["official"],
        topic="Which streets first?",
        description="Where should the city start?",
        allow_anonymous=True,
        seed_statements=["The market street.", "The school street.", "The ring road."],
    )
    for i in range(6):
        for number, statement in enumerate(conversation.statements.order_by("number")):
            value = 1 if (i + number) % 2 else -1
            deliberation.vote_cast(statement=statement, value=value, session_key=f"s{i}")
    deliberation.analysis_run(conversation=conversation)
    return {
        **needs,
        "reports": [own.pk, fixed.pk, other.pk],
        "conversation": conversation.pk,
    }


def _counts() -> list[int]:
    return [model.objects.count() for model in TABLES]


def _real_values(world: dict[str, Any]) -> dict[str, Callable[[int], Any]]:
    """For a parameter or body field that names a row: a real value, chosen by ``n``."""
    categories = ["pothole", "fallen-tree"]
    areas = ["n1", "n2", "s1", "s2"]
    points = [N1, S2]
    return {
        "code": lambda n: areas[n % len(areas)],
        "area": lambda n: areas[n % len(areas)],
        "category": lambda n: categories[n % len(categories)],
        "lat": lambda n: points[n % len(points)][0],
        "lon": lambda n: points[n % len(points)][1],
        "statement": lambda n: n % 3,
        "vote": lambda n: ["agree", "disagree", "pass", "1", "-1", "0"][n % 6],
        "bbox": lambda n: "-5.71,40.94,-5.67,40.98",
        "status": lambda n: ["open", "closed", "fixed"][n % 3],
        "purpose": lambda n: ["email_updates", "demographics"][n % 2],
        # plain text where generated text mostly holds characters the API refuses (unsafe_text)
        "description": lambda n: f"Broken thing number {n}",
        "address": lambda n: f"{n} High Street",
        "body": lambda n: f"Statement number {n % 4}.",
    }


def _use_real_rows(case: Any, world: dict[str, Any], n: int) -> None:
    real = _real_values(world)
    path = case.path_parameters or {}
    if "id" in path:
        path["id"] = (
            world["conversation"]
            if case.path.startswith("/api/conversations/")
            else world["reports"][n % len(world["reports"])]
        )
    if "code" in path:
        path["code"] = real["code"](n)
    for values in (case.query, case.body):
        if isinstance(values, dict):
            for name in list(values):
                if name in real:
                    values[name] = real[name](n)
    if isinstance(case.body, dict) and "attributes" in case.body:
        # a new report: the attributes its category asks for, and no photos
        case.body["attributes"] = (
            {"size": "small"} if case.body.get("category") == "pothole" else {}
        )
        case.body["photos"] = []


def _headers(role: str, world: dict[str, Any]) -> dict[str, str]:
    if role == "anonymous":
        return {}
    token, _ = Token.objects.get_or_create(user=world["users"][role])
    return {"Authorization": f"Token {token.key}"}


class Run:
    """The answers of one role's run: statuses seen, failures by operation and kind."""

    def __init__(self, world: dict[str, Any], headers: dict[str, str]) -> None:
        self.world = world
        self.headers = headers
        self.statuses: Counter[int] = Counter()
        self.answers: dict[str, Counter[int]] = {}
        self.failures: dict[str, str] = {}

    def operation(self, operation: Any) -> None:
        self.coverage(operation)
        self.fuzz(operation)

    def coverage(self, operation: Any) -> None:
        """schemathesis's coverage phase: the same few hundred requests on every run, built from
        the schema (each parameter missing, at and past its bounds, of every wrong type; bodies
        of every wrong type)."""
        schema = operation.schema
        config = schema.config.generation_for(operation=operation, phase="coverage")
        for case in schema.iter_coverage_cases(
            operation, generation_modes=list(GenerationMode), generation_config=config
        ):
            self.example(operation.label, case, None)

    def fuzz(self, operation: Any) -> None:
        """``EXAMPLES`` requests drawn by Hypothesis (derandomized), valid and invalid."""
        strategy = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @given(case=strategy, real=st.one_of(st.none(), st.integers(min_value=0, max_value=11)))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any, real: int | None) -> None:
            self.example(operation.label, case, real)

        run()

    def example(self, label: str, case: Any, real: int | None) -> None:
        if real is not None:
            _use_real_rows(case, self.world, real)
        before = _counts()
        response = case.call(headers=self.headers)
        self.statuses[response.status_code] += 1
        self.answers.setdefault(label, Counter())[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=self.headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                self.fail(f"{label}: {failure.title}", failure.message, case)
        if 400 <= response.status_code < 500 and _counts() != before:
            self.fail(f"{label}: a refused request changed the database", "", case)

    def fail(self, key: str, message: str, case: Any) -> None:
        self.failures.setdefault(key, f"{key}\n{message}\n{case.as_curl_command()}")


@pytest.mark.usefixtures("keep_test_connection")
@pytest.mark.parametrize("role", ROLES)
def test_the_api_answers_as_its_schema_says(role: str, world: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    run = Run(world, _headers(role, world))
    started = time.monotonic()
    operations = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations.append(operation.label)
        run.operation(operation)
    elapsed = time.monotonic() - started
    statuses = run.statuses
    print(f"\n{role}: {len(operations)} operations, {statuses.total()} requests, {elapsed:.1f} s")
    for label, answers in run.answers.items():
        print(f"  {label}: {dict(sorted(answers.items()))}")
    assert len(operations) >= 20, operations
    # the generated requests reached the views: some were accepted, some refused
    assert any(200 <= s < 300 for s in statuses), statuses
    assert any(400 <= s < 500 for s in statuses), statuses
    assert run.failures == {}, "\n\n".join(run.failures[key] for key in sorted(run.failures))
