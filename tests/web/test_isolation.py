"""Every route of the web application, generatively: for every page and action that names a
subject, every user of the other site (every role) gets 403 or 404 and nothing changes;
no write succeeds without the session's CSRF token. A route added later is covered
without editing this test."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from edc.test_refusals import snapshot
from trialkit.edc import enrolment, entry, review
from trialkit.edc.database import StudyDatabase
from trialkit.web.app import create_app
from web.test_pages import signed_in

PARAMS = {
    "protocol_id": "r-hlh",
    "form_id": "renal_function",
    "query_id": "1",
    "move": "answer",
}
FIELDS = {
    "site": "PAR",
    "birth_date": "2024-11-10",
    "sex": "male",
    "version": "v1",
    "signed_on": "2026-03-09",
    "enrolled_on": "2026-03-10",
    "term": "ae.anemia",
    "grade": "1",
    "onset": "2026-03-09",
    "text": "a message",
    "password": "correct horse",
    "meaning": "I confirm",
    "visit_date": "2026-03-09",
    "v:vital.height": "70",
}
OTHER_SITE = [
    "investigator_lyo",
    "research_nurse_lyo",
    "data_manager_lyo",
    "monitor_lyo",
    "statistician_lyo",
    "admin",
]


def subject_routes(db: StudyDatabase) -> list[tuple[str, str]]:
    """(method, path) of every route that acts on a subject or registers one at a site."""
    found = []
    for route in _api_routes(create_app(db).routes):
        if "{label}" not in route.path and not route.path.endswith("/register"):
            continue
        for method in sorted(route.methods):
            found.append((method, route.path))
    return found


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """The API routes, those of included routers too (FastAPI wraps an included router)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(_api_routes(route.original_router.routes))
    return found


def par_subject(db: StudyDatabase) -> str:
    label = enrolment.register_subject(
        db, "research_nurse_par", "r-hlh", "PAR", "2024-11-10", "male"
    )
    entry.save_form(
        db, "research_nurse_par", "r-hlh", label, "renal_function",
        {"vital.weight": ("8", "kg")}, visit_date="2026-03-09",
    )  # fmt: skip
    review.open_query(db, "monitor_par", "r-hlh", label, 1, "please check")
    return label


def fill(path: str, label: str) -> str:
    return re.sub(
        r"\{(\w+)\}", lambda m: label if m.group(1) == "label" else PARAMS[m.group(1)], path
    )


def test_every_subject_route_refuses_every_user_of_the_other_site(db: StudyDatabase) -> None:
    routes = subject_routes(db)
    assert len(routes) >= 10  # the pages and actions of a subject
    label = par_subject(db)
    before = snapshot(db)
    for username in OTHER_SITE:
        web, csrf = signed_in(db, username)
        for method, path in routes:
            url = fill(path, label)
            if method == "GET":
                response = web.get(url)
            else:
                response = web.post(url, data={**FIELDS, "csrf": csrf})
            assert response.status_code in (403, 404), (username, method, url, response.status_code)
            assert "Traceback" not in response.text
    after = snapshot(db)
    # sign-ins are recorded (sessions and their audit events); nothing else changed
    for table in before:
        if table not in ("web_session", "audit_event", "chain_head", "login_failure"):
            assert after[table] == before[table], table


def test_no_write_succeeds_without_the_csrf_token(db: StudyDatabase) -> None:
    label = par_subject(db)
    web, _ = signed_in(db, "investigator_par")
    before = snapshot(db)
    posts = [(m, p) for m, p in subject_routes(db) if m == "POST"]
    posts += [("POST", "/p/{protocol_id}/decide"), ("POST", "/logout")]
    for _, path in posts:
        for token in ({}, {"csrf": "replayed-or-forged"}):
            response = web.post(fill(path, label), data={**FIELDS, **token})
            assert response.status_code == 403, (path, response.status_code)
    assert snapshot(db) == before


def test_an_expired_or_unknown_session_is_sent_to_sign_in(db: StudyDatabase) -> None:
    label = par_subject(db)
    web = TestClient(create_app(db), follow_redirects=False, cookies={"trialkit_session": "x"})
    response = web.get(f"/p/r-hlh/s/{label}")
    assert response.status_code == 303 and response.headers["location"] == "/login"
