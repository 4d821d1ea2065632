"""Test-suite settings: hypothesis runs derandomised in CI so a green run is reproducible.

Locally hypothesis keeps exploring new examples (that is how it finds bugs);
in CI (``CI`` set) the same examples run every time and no deadline applies,
so a slow shared machine cannot fail a run by timing.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
