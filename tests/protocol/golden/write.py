"""Write every golden case file from the ``cases_<protocol>.py`` scripts.

Run from ``tests/``: ``uv run python -m protocol.golden.write``.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path

from protocol.golden.case import Case

HERE = Path(__file__).parent


def all_cases() -> list[Case]:
    """Every case of every ``cases_*`` module, in module order."""
    cases: list[Case] = []
    for module in sorted(pkgutil.iter_modules([str(HERE)]), key=lambda m: m.name):
        if module.name.startswith("cases_"):
            loaded = importlib.import_module(f"protocol.golden.{module.name}")
            cases.extend(loaded.CASES)
    return cases


def render(case: Case) -> str:
    """The golden file's text (stable: two-space indent, trailing newline)."""
    return json.dumps(case.as_json(), indent=2, ensure_ascii=False) + "\n"


def path_of(case: Case) -> Path:
    """Where the case's golden file lives."""
    return HERE / case.protocol / f"{case.case}.json"


def main() -> None:
    """Write all golden files (removing stale ones of the same protocols)."""
    cases = all_cases()
    for directory in {path_of(c).parent for c in cases}:
        directory.mkdir(exist_ok=True)
        for stale in directory.glob("*.json"):
            stale.unlink()
    for case in cases:
        path_of(case).write_text(render(case), encoding="utf-8")
    print(f"wrote {len(cases)} golden cases")


if __name__ == "__main__":
    main()
