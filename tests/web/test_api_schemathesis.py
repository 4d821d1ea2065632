"""Schemathesis against the API's OpenAPI description, in-process: generated requests for
every operation (with a valid token, the database holding a real subject) get no 5xx and
no response that violates the description (status codes, content types, bodies)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from trialkit.edc import enrolment
from trialkit.edc.database import StudyDatabase
from trialkit.web.app import create_app
from web.test_api import NURSE, api


def test_every_operation_keeps_its_description(db: StudyDatabase) -> None:
    enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
    token = api(db).headers["Authorization"]
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(db))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6

    for operation in operations:

        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.call_and_validate(headers={"Authorization": token})

        check()
