"""A study database on SQLite and on PostgreSQL for every EDC test, set up as a trial is:
the R-HLH protocol (and others on demand), two sites, one user of each role per site."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from sql.engines import postgres_url
from trialkit.edc import study
from trialkit.edc.access import Role
from trialkit.edc.database import StudyDatabase
from trialkit.protocol.files import _directory

PASSWORD = "correct horse"
CHEAP = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
"""argon2id at a test cost (the study module's hasher is swapped for it)."""
SITES = ("PAR", "LYO")
INVESTIGATOR_PAR = "investigator_par"


@dataclass
class Clock:
    """A clock the test moves by hand (UTC)."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 10, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def user_of(role: Role | str, site: str) -> str:
    """The username of the user holding ``role`` at ``site`` in the fixture's database."""
    return f"{Role(role).value}_{site.lower()}"


def protocol_text(protocol_id: str) -> str:
    return _directory().joinpath(f"{protocol_id}.yaml").read_text(encoding="utf-8")


def _postgres(url: str, template: str | None = None) -> Iterator[str]:
    import psycopg

    name = f"edc_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    base = url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.engine)])
def engine_name(request: pytest.FixtureRequest) -> str:
    """Each engine in turn: SQLite, and PostgreSQL (an ``engine`` test)."""
    return str(request.param)


@pytest.fixture
def database_url(engine_name: str, tmp_path: Path) -> Iterator[str]:
    """An empty database on each engine."""
    if engine_name == "sqlite":
        yield str(tmp_path / "study.db")
        return
    yield from _postgres(postgres_url())


@pytest.fixture
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt at a test cost (each hash records its own parameters, so checks still work)."""
    monkeypatch.setattr(study, "_HASHER", CHEAP)


def build(url: str, clock: Clock, protocols: tuple[str, ...] = ("r-hlh",)) -> StudyDatabase:
    """A database with ``protocols``, the two sites and one user of each role per site."""
    db = StudyDatabase(url, clock=clock)
    study.init_database(db, "admin", "Study Administrator", PASSWORD)
    for protocol_id in protocols:
        study.add_protocol(db, "admin", protocol_text(protocol_id), f"{protocol_id}.yaml")
    for site in SITES:
        study.add_site(db, "admin", site, f"Hospital {site}")
        for role in Role:
            if role is Role.ADMINISTRATOR:
                continue
            name = user_of(role, site)
            study.add_user(db, "admin", name, f"{role.value} of {site}", PASSWORD)
            study.grant_role(db, "admin", name, role.value, site)
    return db


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The R-HLH study database built once per engine, copied by each test that uses ``db``
    (a SQLite file copied; a PostgreSQL database created from it as a template)."""
    found: dict[str, str] = {}
    saved = study._HASHER
    study._HASHER = CHEAP
    try:
        path = tmp_path_factory.mktemp("edc") / "template.db"
        built = build(str(path), Clock())
        with built.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        built.dispose()
        found["sqlite"] = str(path)
        yield found
    finally:
        study._HASHER = saved


def _postgres_template(found: dict[str, str]) -> str:
    if "postgresql" not in found:
        server = postgres_url()
        maker = _postgres(server)
        url = next(maker)
        saved = study._HASHER
        study._HASHER = CHEAP
        try:
            built = build(url, Clock())
            built.dispose()
        finally:
            study._HASHER = saved
        found["postgresql"] = url.rsplit("/", 1)[1]
        _MAKERS.append(maker)
    return found["postgresql"]


_MAKERS: list[Iterator[str]] = []
"""The template databases to drop at the end of the session."""


@pytest.fixture
def db(
    engine_name: str,
    templates: dict[str, str],
    clock: Clock,
    fast_passwords: None,
    tmp_path: Path,
) -> Iterator[StudyDatabase]:
    """The R-HLH study database on each engine (a copy of the session's template)."""
    if engine_name == "sqlite":
        path = tmp_path / "study.db"
        shutil.copyfile(templates["sqlite"], path)
        database = StudyDatabase(str(path), clock=clock)
        yield database
        database.dispose()
        return
    template = _postgres_template(templates)
    for url in _postgres(postgres_url(), template):
        database = StudyDatabase(url, clock=clock)
        yield database
        database.dispose()


def pytest_sessionfinish() -> None:
    for maker in _MAKERS:
        next(maker, None)
