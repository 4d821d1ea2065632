"""The web application in a real browser: Playwright for Python driving Debian's Chromium
(``scripts/services.sh`` installs it) against the app served by uvicorn on loopback.
Each journey keeps a screenshot in ``artifacts/screenshots/`` (a CI artefact)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import select

from edc.conftest import PASSWORD, protocol_text
from trialkit.edc import enrolment, entry, study
from trialkit.edc.database import StudyDatabase
from trialkit.edc.fhir import form_entries
from trialkit.edc.schema import Signature
from trialkit.examples import INDEX_DATE, example
from trialkit.protocol.files import builtin_protocol
from trialkit.record.fhir import parse_bundle
from trialkit.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
NURSE = "research_nurse_par"
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SQLITE_ONLY = pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
"""The browser journeys run once, on SQLite; the pages' tests cover both engines."""


@pytest.fixture
def server(db: StudyDatabase) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/services.sh installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


@SQLITE_ONLY
def test_a_nurse_enters_a_value_in_another_unit_and_an_out_of_range_one_opens_a_query(
    server: str, browser: Browser, db: StudyDatabase
) -> None:
    label = enrolment.register_subject(
        db, "research_nurse_par", "r-hlh", "PAR", "2024-11-10", "male"
    )
    page = browser.new_page()
    sign_in(page, server, "research_nurse_par")
    page.get_by_role("link", name=label).click()
    page.get_by_role("link", name="HLH-2004 diagnostic criteria (Henter 2007, Table I)").click()
    page.get_by_label("Haemoglobin", exact=True).fill("7.4")
    page.locator("select[name='u:lab.haemoglobin']").select_option("g/dL")
    page.get_by_label("Body temperature", exact=True).fill("60")
    page.get_by_role("button", name="Save as draft").click()
    page.get_by_text("Query opened: hlh_diagnosis.vital.temperature").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "web-entry-query.png"), full_page=True)
    page.get_by_role("link", name=f"Back to {label}").click()
    assert "74 g/L" in page.content()
    page.close()


@SQLITE_ONLY
def test_a_user_of_another_site_is_refused_in_the_page(
    server: str, browser: Browser, db: StudyDatabase
) -> None:
    label = enrolment.register_subject(
        db, "research_nurse_par", "r-hlh", "PAR", "2024-11-10", "male"
    )
    page = browser.new_page()
    sign_in(page, server, "investigator_lyo")
    response = page.goto(f"{server}/p/r-hlh/s/{label}")
    assert response is not None and response.status == 403
    assert "may not read subject data at site PAR" in page.content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "web-other-site-refused.png"))
    page.close()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@SQLITE_ONLY
def test_journey_screen_consent_enrol_visit_query_adverse_event_signature(
    server: str, browser: Browser, db: StudyDatabase
) -> None:
    """C-HLH: the example patient's data entered (as the nurse did before), then in the
    browser: screened, consented, enrolled; a visit with haemoglobin in g/dL and an
    out-of-range temperature that opens a query, answered and closed; platelets of
    45 x10^9/L and a grade-3 AE, the grade the captured value gives; the casebook signed."""
    study.add_protocol(db, "admin", protocol_text("c-hlh"), "c-hlh.yaml")
    record = parse_bundle(json.dumps(example("c-hlh-eligible")))
    born = record.birth_date.isoformat() if record.birth_date else "2020-01-01"
    label = enrolment.register_subject(db, NURSE, "c-hlh", "PAR", born, "female")
    for found in form_entries(builtin_protocol("c-hlh"), record):
        day = None if found.observed_on is None else found.observed_on.isoformat()
        entry.save_form(
            db, NURSE, "c-hlh", label, found.form_id, found.values, visit_date=day, complete=True
        )
    page = browser.new_page()
    sign_in(page, server, "investigator_par")
    page.goto(f"{server}/p/c-hlh/s/{label}")
    page.get_by_role("button", name="Screen on the entered data").click()
    assert page.locator("#verdict").inner_text() == "eligible"
    page.get_by_label("Consent document version").fill("v3.0")
    page.get_by_role("button", name="Record the consent").click()
    page.get_by_role("button", name="Enrol").click()
    assert "(c-hlh, site PAR, enrolled)" in page.content()
    shot(page, "journey-1-enrolled")

    page.get_by_role("link", name="hlh_biology").first.click()
    page.get_by_label("Platelet count", exact=True).fill("45")
    page.get_by_label("Haemoglobin", exact=True).fill("7.4")
    page.locator("select[name='u:lab.haemoglobin']").select_option("g/dL")
    page.get_by_role("button", name="Save and mark complete").click()
    page.get_by_text("2 value(s) saved").wait_for()
    page.get_by_role("link", name=f"Back to {label}").click()
    assert "74 g/L" in page.content()  # 7.4 g/dL, shown in the canonical unit
    page.get_by_role("link", name="hlh_diagnosis").first.click()
    page.get_by_label("Body temperature", exact=True).fill("60")
    page.get_by_role("button", name="Save and mark complete").click()
    page.get_by_text("Query opened: hlh_diagnosis.vital.temperature").wait_for()
    page.get_by_role("link", name=f"Back to {label}").click()
    answer = page.locator("input[id$='-answer']").last
    answer.fill("60 was a typo for 38.5: corrected on the source")
    page.get_by_role("button", name=re.compile(r"^Answer query \d+$")).last.click()
    sign_out(page)

    sign_in(page, server, "data_manager_par")
    page.goto(f"{server}/p/c-hlh/s/{label}")
    page.locator("input[id$='-close']").last.fill("Closed after source verification")
    page.get_by_role("button", name=re.compile(r"^Close query \d+$")).last.click()
    assert "closed" in page.content()
    sign_out(page)

    sign_in(page, server, "investigator_par")
    page.goto(f"{server}/p/c-hlh/s/{label}")
    page.get_by_label("Term", exact=True).select_option("ae.platelet_count_decreased")
    page.get_by_label("Grade", exact=True).select_option("2")
    page.get_by_role("button", name="Report the adverse event").click()
    refusal = page.locator("#refusal").inner_text()
    assert "differs from the grade 3 the captured values give" in refusal
    shot(page, "journey-2-ae-suggested-grade")
    page.get_by_label("Term", exact=True).select_option("ae.platelet_count_decreased")
    page.get_by_label("Grade", exact=True).select_option("3")
    page.get_by_role("button", name="Report the adverse event").click()
    assert page.locator("#refusal").count() == 0
    page.get_by_label("Your password (re-entered to sign)").fill("wrong password")
    page.get_by_role("button", name="Sign the casebook").click()
    assert "wrong password" in page.locator("#refusal").inner_text()
    page.get_by_label("Your password (re-entered to sign)").fill(PASSWORD)
    page.get_by_role("button", name="Sign the casebook").click()
    shot(page, "journey-3-signed")
    with db.reading() as session:
        signatures = session.scalars(select(Signature)).all()
    assert [s.form_instance_id for s in signatures] == [None]
    page.close()


@SQLITE_ONLY
def test_the_gate_refuses_the_seventh_enrolment_in_the_page_until_the_decision(
    server: str, browser: Browser, db: StudyDatabase
) -> None:
    bundle = json.dumps(example("r-hlh-eligible"))
    at = f"{INDEX_DATE}T12:00:00+00:00"
    labels = []
    for _ in range(7):
        label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
        enrolment.screen_subject(db, "investigator_par", "r-hlh", label, bundle=bundle, at=at)
        enrolment.record_consent(db, NURSE, "r-hlh", label, "v1", "2026-03-09")
        labels.append(label)
    for label in labels[:6]:
        enrolment.enrol(db, "investigator_par", "r-hlh", label, "2026-03-09")
        enrolment.set_anchor(db, "investigator_par", "r-hlh", label, "day1", "2026-03-09")
        entry.save_form(
            db, NURSE, "r-hlh", label, "procedure",
            {"procedure": "procedure.hsct_allogeneic", "start": "2026-03-10"},
        )  # fmt: skip
    page = browser.new_page()
    sign_in(page, server, "investigator_par")
    page.goto(f"{server}/p/r-hlh/s/{labels[6]}")
    page.get_by_role("button", name="Enrol").click()
    assert "waits for the interim decision" in page.locator("#refusal").inner_text()
    shot(page, "gate-1-refused")
    sign_out(page)
    sign_in(page, server, "monitor_par")
    assert page.get_by_role("button", name="Record the interim decision of r-hlh").count() == 1
    page.get_by_role("button", name="Record the interim decision of r-hlh").click()
    assert "may not record the interim decision" in page.content()
    sign_out(page)
    sign_in(page, server, "statistician_par")
    page.get_by_role("button", name="Record the interim decision of r-hlh").click()
    assert "continue" in page.content() and "x1=6" in page.content()
    shot(page, "gate-2-decision")
    sign_out(page)
    sign_in(page, server, "investigator_par")
    page.goto(f"{server}/p/r-hlh/s/{labels[6]}")
    page.get_by_role("button", name="Enrol").click()
    assert "(r-hlh, site PAR, enrolled)" in page.content()
    page.close()
