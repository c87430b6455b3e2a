"""Schemathesis against /api/schema/: generated requests (valid and invalid) to every operation
of the REST API, through the Django WSGI app in-process, never get a 5xx answer.

Bounded: a few examples per operation and generation mode, so the whole run stays well under a
minute. Signed in as a resident (token), so writes reach the services, not only the 401s."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.generation.modes import GenerationMode

pytestmark = pytest.mark.django_db

EXAMPLES = 8  # per operation and mode


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


@pytest.mark.usefixtures("keep_test_connection")
def test_the_rest_api_never_answers_5xx(needs: dict[str, Any], submit: Any) -> None:
    report = submit()
    token, _ = Token.objects.get_or_create(user=needs["users"]["resident"])
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        strategy = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            pk = (case.path_parameters or {}).get("pk")
            if isinstance(pk, int) and pk % 2:  # one in two examples hits a report that exists
                case.path_parameters["pk"] = report.pk
            response = case.call(headers=headers)
            statuses[response.status_code // 100] += 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{case.as_curl_command()}"
                )

        run()
    assert operations >= 10
    # the generated requests reached the views: some were accepted, some refused
    assert statuses[2] > 0, statuses
    assert statuses[4] > 0, statuses
    assert failures == [], "\n".join(sorted(set(failures)))
