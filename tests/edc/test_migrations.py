"""The migrations: ``upgrade head`` builds exactly the tables of ``trialkit.edc.schema`` on
both engines, and a database made by an older migration upgrades keeping its data."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from trialkit.edc.database import StudyDatabase, database_url
from trialkit.edc.migrate import upgrade
from trialkit.edc.schema import Base


def test_the_migrations_build_the_tables_of_the_schema(database_url: str) -> None:
    db = StudyDatabase(database_url)
    try:
        db.migrate()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert compare_metadata(context, Base.metadata) == []
    finally:
        db.dispose()


def test_an_older_database_upgrades_and_keeps_its_data(database_url: str) -> None:
    engine = create_engine(database_url_of_engine(database_url))
    try:
        upgrade(engine, "0001")
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO site (code, name) VALUES ('PAR', 'Paris')"))
        upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT code FROM site")).scalars().all() == ["PAR"]
            columns = connection.execute(text("SELECT reference_low FROM item_value")).all()
            assert columns == []
    finally:
        engine.dispose()


def database_url_of_engine(value: str) -> str:
    """A SQLAlchemy URL from the fixture's path or URL (the database module's rule)."""
    return database_url(value)
