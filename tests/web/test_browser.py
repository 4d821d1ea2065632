"""The web application in a real browser: Playwright for Python driving Debian's Chromium
(``scripts/services.sh`` installs it) against the app served by uvicorn on loopback.
Each journey keeps a screenshot in ``artifacts/screenshots/`` (a CI artefact)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from edc.conftest import PASSWORD
from trialkit.edc import enrolment
from trialkit.edc.database import StudyDatabase
from trialkit.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
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
