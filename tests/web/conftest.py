"""The web tests use the EDC tests' study database (built once per engine, copied per test)."""

from edc.conftest import (  # noqa: F401  (fixtures)
    clock,
    database_url,
    db,
    engine_name,
    fast_passwords,
    templates,
)
