"""The web application's pages through HTTP (FastAPI's test client): sign-in and lockout,
CSRF on every write, site isolation through the services, security headers, data entry
with a value in another unit and an out-of-range value that opens a query."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from edc.conftest import PASSWORD
from trialkit.edc import enrolment, entry
from trialkit.edc.database import StudyDatabase
from trialkit.edc.sessions import LOCKOUT_FAILURES
from trialkit.web.app import COOKIE, create_app

NURSE = "research_nurse_par"


def client(db: StudyDatabase) -> TestClient:
    return TestClient(create_app(db), follow_redirects=False)


def signed_in(db: StudyDatabase, username: str) -> tuple[TestClient, str]:
    """A client signed in as ``username`` and its CSRF token (read from a page's form)."""
    web = client(db)
    response = web.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 303, response.text
    page = web.get("/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    return web, csrf.group(1)


def test_pages_need_a_session(db: StudyDatabase) -> None:
    web = client(db)
    assert web.get("/").headers["location"] == "/login"
    response = web.get("/login")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_a_wrong_password_is_refused_and_repeated_failures_lock(db: StudyDatabase) -> None:
    web = client(db)
    for _ in range(LOCKOUT_FAILURES):
        response = web.post("/login", data={"username": NURSE, "password": "nope"})
        assert response.status_code == 400
        assert "wrong username or password" in response.text
    response = web.post("/login", data={"username": NURSE, "password": PASSWORD})
    assert response.status_code == 400 and "is locked" in response.text
    unknown = web.post("/login", data={"username": "nobody", "password": "x"})
    assert "wrong username or password" in unknown.text


def test_the_session_cookie_is_http_only_and_same_site(db: StudyDatabase) -> None:
    response = client(db).post("/login", data={"username": NURSE, "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_data_entry_in_another_unit_and_a_query_for_an_out_of_range_value(
    db: StudyDatabase,
) -> None:
    label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
    web, csrf = signed_in(db, NURSE)
    page = web.get(f"/p/r-hlh/s/{label}/forms/hlh_diagnosis")
    assert page.status_code == 200 and "Ferritin" in page.text
    saved = web.post(
        f"/p/r-hlh/s/{label}/forms/hlh_diagnosis",
        data={
            "csrf": csrf,
            "visit_date": "2026-03-09",
            "v:lab.haemoglobin": "7.4",
            "u:lab.haemoglobin": "g/dL",
            "v:vital.temperature": "60",
            "u:vital.temperature": "Cel",
        },
    )
    assert saved.status_code == 200, saved.text
    assert "2 value(s) saved" in saved.text
    assert "Query opened: hlh_diagnosis.vital.temperature" in saved.text
    subject = web.get(f"/p/r-hlh/s/{label}")
    assert "74 g/L" in subject.text  # 7.4 g/dL shown in the canonical unit


def test_a_refused_value_is_shown_in_the_form_and_nothing_is_saved(db: StudyDatabase) -> None:
    label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
    web, csrf = signed_in(db, NURSE)
    refused = web.post(
        f"/p/r-hlh/s/{label}/forms/hlh_diagnosis",
        data={"csrf": csrf, "visit_date": "2026-03-09", "v:lab.ferritin": "12x"},
    )
    assert refused.status_code == 422
    assert "hlh_diagnosis.lab.ferritin: &#39;12x&#39; is not a number" in refused.text
    assert 'value="12x"' in refused.text  # what was typed is kept
    assert "Nothing captured yet" in web.get(f"/p/r-hlh/s/{label}").text


def test_a_write_without_the_csrf_token_is_refused(db: StudyDatabase) -> None:
    label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
    web, _ = signed_in(db, NURSE)
    for token in (None, "forged"):
        data = {"visit_date": "2026-03-09", "v:lab.ferritin": "900"}
        if token:
            data["csrf"] = token
        response = web.post(f"/p/r-hlh/s/{label}/forms/hlh_diagnosis", data=data)
        assert response.status_code == 403 and "CSRF" in response.text
    assert "Nothing captured yet" in web.get(f"/p/r-hlh/s/{label}").text


@pytest.mark.parametrize(
    "user",
    [
        "investigator_lyo",
        "research_nurse_lyo",
        "data_manager_lyo",
        "monitor_lyo",
        "statistician_lyo",
    ],
)
def test_a_user_of_another_site_gets_403_for_every_page_of_a_subject(
    db: StudyDatabase, user: str
) -> None:
    label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
    entry.save_form(
        db, NURSE, "r-hlh", label, "renal_function", {"vital.weight": ("8", "kg")},
        visit_date="2026-03-09",
    )  # fmt: skip
    web, csrf = signed_in(db, user)
    assert label not in web.get("/").text
    assert web.get(f"/p/r-hlh/s/{label}").status_code == 403
    assert web.get(f"/p/r-hlh/s/{label}/forms/renal_function").status_code == 403
    post = web.post(
        f"/p/r-hlh/s/{label}/forms/renal_function",
        data={"csrf": csrf, "visit_date": "2026-03-09", "v:vital.height": "70"},
    )
    assert post.status_code == 403
    assert "Traceback" not in post.text and "SELECT" not in post.text


def test_the_audit_trail_page_shows_who_changed_what_and_why(db: StudyDatabase) -> None:
    label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
    for weight, reason in (("8", None), ("8.4", "reweighed on a calibrated scale")):
        entry.save_form(
            db, NURSE, "r-hlh", label, "renal_function", {"vital.weight": (weight, "kg")},
            visit_date="2026-03-09", reason=reason,
        )  # fmt: skip
    web, _ = signed_in(db, "monitor_par")
    page = web.get(f"/p/r-hlh/s/{label}/history")
    assert page.status_code == 200
    row = re.search(
        r"<tr><td>[^<]+</td><td>research_nurse_par</td><td>item [^<]+</td><td>vital.weight</td><td>8 kg</td><td>8.4 kg</td><td>reweighed on a calibrated scale</td></tr>",
        page.text,
    )
    assert row is not None, page.text


@pytest.mark.parametrize("name", ["nurse\x00", "a\nb", "\x1b[31m"])
def test_a_username_no_user_can_have_is_refused_like_a_wrong_password(
    db: StudyDatabase, name: str
) -> None:
    response = client(db).post("/login", data={"username": name, "password": "x"})
    assert response.status_code == 400
    assert "wrong username or password" in response.text


def test_a_malformed_form_gets_a_page_naming_the_field(db: StudyDatabase) -> None:
    response = client(db).post("/login", data={"password": "x"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "username: Field required" in response.text
