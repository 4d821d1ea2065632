"""Site isolation and roles: a user of site LYO can neither read nor write a subject of
site PAR, whatever the role; within its site each role may do what the permission
table says, and nothing else."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edc.conftest import PASSWORD, user_of
from edc.test_journey import NURSE
from trialkit.edc import enrolment, entry, review, safety
from trialkit.edc.access import PERMISSIONS, Action, Role
from trialkit.edc.casebook import casebook
from trialkit.edc.database import StudyDatabase
from trialkit.errors import PermissionDeniedError

Service = Callable[[StudyDatabase, str, str], object]

SERVICES: dict[Action, Service] = {
    Action.READ: lambda db, user, label: casebook(db, user, "r-hlh", label),
    Action.SCREEN: lambda db, user, label: enrolment.screen_subject(db, user, "r-hlh", label),
    Action.CONSENT: lambda db, user, label: enrolment.record_consent(
        db, user, "r-hlh", label, "v1", "2026-03-09"
    ),
    Action.ENROL: lambda db, user, label: enrolment.enrol(db, user, "r-hlh", label, "2026-03-10"),
    Action.ENTER: lambda db, user, label: entry.save_form(
        db,
        user,
        "r-hlh",
        label,
        "renal_function",
        {"vital.height": ("70", "cm")},
        visit_date="2026-03-09",
    ),
    Action.OPEN_QUERY: lambda db, user, label: review.open_query(
        db, user, "r-hlh", label, 1, "please check"
    ),
    Action.SIGN: lambda db, user, label: review.sign(
        db, user, PASSWORD, "r-hlh", label, "I confirm", None
    ),
    Action.LOCK: lambda db, user, label: entry.set_lock(db, user, "r-hlh", label, 1, True),
}
"""One service per action; :data:`MORE` holds the other services, by the action they need."""

MORE: list[tuple[Action, Service]] = [
    (Action.CONSENT, lambda db, u, label: enrolment.withdraw_consent(
        db, u, "r-hlh", label, "2026-03-10", "moved away")),
    (Action.ENTER, lambda db, u, label: enrolment.set_anchor(
        db, u, "r-hlh", label, "day1", "2026-03-10")),
    (Action.ENTER, lambda db, u, label: entry.complete_form(db, u, "r-hlh", label, 1)),
    (Action.ENTER, lambda db, u, label: entry.mark_missed(
        db, u, "r-hlh", label, "inclusion", "sick")),
    (Action.REPORT_AE, lambda db, u, label: safety.report_adverse_event(
        db, u, "r-hlh", label, {"term": "ae.anemia", "grade": "1", "onset": "2026-03-09"})),
    (Action.REPORT_AE, lambda db, u, label: safety.mark_reported(db, u, "r-hlh", label, 1)),
    (Action.ANSWER_QUERY, lambda db, u, label: review.answer_query(db, u, "r-hlh", 1, "done")),
    (Action.OPEN_QUERY, lambda db, u, label: review.close_query(db, u, "r-hlh", 1, "ok")),
    (Action.OPEN_QUERY, lambda db, u, label: review.reopen_query(db, u, "r-hlh", 1, "again")),
]  # fmt: skip
CALLS = list(SERVICES.items()) + MORE


def subject_with_a_query(db: StudyDatabase) -> str:
    """A PAR subject with one form (record 1) and one query (1) on it."""
    label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
    entry.save_form(
        db,
        NURSE,
        "r-hlh",
        label,
        "renal_function",
        {"vital.weight": ("8", "kg")},
        visit_date="2026-03-09",
    )
    review.open_query(db, user_of("monitor", "PAR"), "r-hlh", label, 1, "check")
    return label


@pytest.mark.parametrize(
    ("action", "service"), CALLS, ids=[f"{a.name}-{i}" for i, (a, _) in enumerate(CALLS)]
)
def test_every_service_refuses_every_role_of_the_other_site(
    db: StudyDatabase, action: Action, service: Service
) -> None:
    label = subject_with_a_query(db)
    for role in Role:
        user = "admin" if role is Role.ADMINISTRATOR else user_of(role, "LYO")
        with pytest.raises(PermissionDeniedError, match="at site PAR"):
            service(db, user, label)


@pytest.mark.parametrize(
    ("action", "service"), CALLS, ids=[f"{a.name}-{i}" for i, (a, _) in enumerate(CALLS)]
)
def test_every_service_refuses_the_roles_without_its_permission(
    db: StudyDatabase, action: Action, service: Service
) -> None:
    label = subject_with_a_query(db)
    for role in Role:
        if role is Role.ADMINISTRATOR or action in PERMISSIONS[role]:
            continue
        with pytest.raises(PermissionDeniedError):
            service(db, user_of(role, "PAR"), label)


def test_the_permission_table_in_the_docs_is_current() -> None:
    from pathlib import Path

    from trialkit.edc.access import permission_table

    text = (Path(__file__).parents[2] / "docs" / "edc.md").read_text(encoding="utf-8")
    inside = text.split("<!-- permissions -->\n", 1)[1].split("\n<!-- /permissions -->", 1)[0]
    assert inside == permission_table(), "docs/edc.md: paste permission_table() again"
