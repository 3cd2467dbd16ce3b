"""Schemathesis over every operation of the served OpenAPI document: no server error, and no
status, content type or body that the document does not declare.

Each operation is run as the schemathesis CLI runs it: its documented examples, the coverage
phase (bounds, just past them, wrong types, missing and unexpected parts) and fuzzing, in
positive and negative modes. Fuzzing is bounded per operation and derandomized, so each run
sends the same requests and the whole test takes well under a minute and a half on two cores.
(Schemathesis's lazy pytest fixture does not run under this pytest, so the test drives its
Hypothesis test builder directly.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from syncsvc.app import create_app
from tests.conftest import ADMIN_TOKEN, make_settings

EXAMPLES_PER_OPERATION = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class Target:
    schema: schemathesis.BaseSchema
    tenant_key: str


@pytest.fixture(scope="module")
def target(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    app = create_app(make_settings(database_url, tmp_path_factory.mktemp("fuzz")), migrate=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    with asgi.get_client(app) as client:  # type: ignore[arg-type]
        answer = client.post(
            "/v1/tenants",
            json={"name": "Fuzzed Plumbing"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert answer.status_code == 201, answer.text
        yield Target(schema=schema, tenant_key=answer.json()["api_key"])
    asgi.shutdown_lifespans()


def test_every_operation_answers_as_documented(target: Target) -> None:
    failures: list[str] = []
    seen: set[tuple[str, int]] = set()

    def check(case: Case[Any]) -> None:
        security = case.operation.definition.raw.get("security", [])
        token = ADMIN_TOKEN if {"AdminToken": []} in security else target.tenant_key
        answer = case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
        seen.add((case.operation.label, answer.status_code))

    # As the schemathesis CLI runs each operation: its examples, the coverage phase (bounds
    # and just past them, each kind of wrong type) and fuzzing, positive and negative.
    config = HypothesisTestConfig(
        project=target.schema.config,
        modes=[
            HypothesisTestMode.EXAMPLES,
            HypothesisTestMode.COVERAGE,
            HypothesisTestMode.FUZZING,
        ],
        settings=settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: failures as found
            suppress_health_check=list(HealthCheck),
        ),
    )
    results = list(target.schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), results
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) > 40
    for operation in operations:
        try:
            create_test(operation=operation, test_func=check, config=config)()
        except Exception as failure:  # each operation's failure is reported, then the next
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)
    # The requests reached the routes, not only the authentication in front of them.
    answered = {label for label, status in seen if status < 300}
    assert len(answered) > len(operations) / 2, sorted(seen)
