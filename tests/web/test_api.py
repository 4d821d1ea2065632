"""The JSON API (``/api/v1``): bearer tokens, the same services as the pages, RFC 9457
problem documents, and its OpenAPI 3.1 description."""

from __future__ import annotations

from fastapi.testclient import TestClient

from edc.conftest import PASSWORD
from edc.test_refusals import snapshot
from trialkit.edc import enrolment
from trialkit.edc.database import StudyDatabase
from trialkit.web.app import create_app

NURSE = "research_nurse_par"
PROBLEM = "application/problem+json"


def api(db: StudyDatabase, username: str | None = NURSE) -> TestClient:
    client = TestClient(create_app(db), base_url="http://testserver/api/v1/")
    if username is not None:
        made = client.post("tokens", json={"username": username, "password": PASSWORD})
        assert made.status_code == 201, made.text
        client.headers["Authorization"] = f"Bearer {made.json()['token']}"
    return client


def cookie_only(db: StudyDatabase) -> TestClient:
    """A browser's session cookie, valid, sent to the API: it does not authenticate."""
    browser = TestClient(create_app(db), follow_redirects=False)
    signed = browser.post("/login", data={"username": NURSE, "password": PASSWORD})
    assert signed.status_code == 303
    browser.base_url = browser.base_url.join("/api/v1/")
    return browser


def test_the_openapi_description_is_3_1_and_lists_the_operations(db: StudyDatabase) -> None:
    described = api(db, None).get("openapi.json").json()
    assert described["openapi"].startswith("3.1")
    assert set(described["paths"]) >= {
        "/tokens",
        "/subjects",
        "/protocols/{protocol_id}/gate",
        "/protocols/{protocol_id}/subjects/{label}",
        "/protocols/{protocol_id}/subjects/{label}/forms/{form_id}",
        "/protocols/{protocol_id}/subjects/{label}/screening",
    }


def test_save_a_form_in_another_unit_and_read_it_back(db: StudyDatabase) -> None:
    label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
    client = api(db)
    saved = client.post(
        f"protocols/r-hlh/subjects/{label}/forms/hlh_diagnosis",
        json={
            "values": {
                "lab.haemoglobin": {"value": "7.4", "unit": "g/dL"},
                "lab.triglycerides": {"value": "3.5", "unit": "mmol/L", "low": "0", "high": "1.7"},
                "vital.temperature": {"value": "60", "unit": "Cel"},
            },
            "visit_date": "2026-03-09",
        },
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["record"] == 1 and len(body["queries"]) == 1
    book = client.get(f"protocols/r-hlh/subjects/{label}").json()
    items = {i["item"]: (i["value"], i["unit"]) for i in book["forms"][0]["items"]}
    assert items["lab.haemoglobin"] == ("74", "g/L")
    screened = client.post(f"protocols/r-hlh/subjects/{label}/screening").json()
    assert screened["verdict"] == "undetermined"
    assert screened["screening"]["schema"] == "trialkit.screen/1"
    listed = client.get("subjects").json()
    assert [(s["subject"], s["verdict"]) for s in listed] == [(label, "undetermined")]


def test_refusals_are_problem_documents_and_change_nothing(db: StudyDatabase) -> None:
    label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
    client = api(db)
    other = api(db, "investigator_lyo")
    anonymous = api(db, None)
    before = snapshot(db)
    url = f"protocols/r-hlh/subjects/{label}/forms/renal_function"
    good = {"values": {"vital.weight": {"value": "8", "unit": "kg"}}, "visit_date": "2026-03-09"}
    cases = [
        (client.post(url, json={**good, "values": {"vital.weight": {"value": "8", "unit": "Cel"}}}), 400, "renal_function.vital.weight"),
        (client.post(url, json={**good, "values": {"lab.potato": {"value": "1"}}}), 400, "no such item"),
        (client.post(url, json={"values": "nope"}), 422, "values"),
        (client.post(url, content=b"{not json", headers={"content-type": "application/json"}), 422, ""),
        (anonymous.post(url, json=good), 401, "bearer token"),
        (cookie_only(db).post(url, json=good), 401, "bearer token"),
        (other.post(url, json=good), 403, "at site PAR"),
        (other.get(f"protocols/r-hlh/subjects/{label}"), 403, "at site PAR"),
        (client.get("protocols/r-hlh/subjects/PAR-0009-E"), 404, "no subject"),
        (client.post(f"protocols/r-hlh/subjects/{label}/forms/nope", json=good), 404, "not a form"),
        (client.get("protocols/x-trial/gate"), 404, "not in this database"),
        (client.post("tokens", json={"username": NURSE, "password": "wrong"}), 401, "wrong username or password"),
    ]  # fmt: skip
    for response, status, detail in cases:
        assert response.status_code == status, (status, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        problem = response.json()
        assert problem["status"] == status and detail in problem["detail"]
        assert "Traceback" not in response.text
    after = snapshot(db)
    for table in before:
        if table not in ("web_session", "audit_event", "chain_head", "login_failure"):
            assert after[table] == before[table], table
