"""The layers of ``docs/architecture.md`` hold: no module imports a layer listed after its own.

The layer order is read from the table of ``docs/architecture.md`` ("Layers"), so
that the document and this test cannot drift: a package is placed in the list by
adding its row there. Every import of every module of ``src/trialkit`` is read
with :mod:`ast`, those inside functions and under ``TYPE_CHECKING`` included (a
deferred import is still a dependency, only a later one).

Beside the layers (the paragraph under the table):

- ``trialkit.errors`` and the private helpers ``trialkit._*`` may be imported by
  every module, and import no layer themselves;
- ``trialkit.testing`` and ``trialkit.examples`` import layers as a user's tests
  do, and are imported by no layer but ``cli`` (the ``demo`` command): they stand
  just below ``cli``;
- the package's ``__init__`` (the public names, each imported on first use) and
  ``__main__`` stand above every layer; that ``import trialkit`` itself loads no
  layer is :func:`test_importing_trialkit_loads_no_layer`.

``importlib.import_module`` with a computed name (the lazy ``__init__`` of
``trialkit`` and ``trialkit.design``) is not read: only ``import`` statements are.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SOURCE = ROOT / "src" / "trialkit"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

_ROW = re.compile(r"^\| *(\d+) *\| *`trialkit\.([a-z_]+)` *\|", re.M)
_BESIDE_BELOW = ("trialkit.errors",)
"""Modules (besides ``trialkit._*``) below every layer: any module may import them."""
_BESIDE_ABOVE = (
    "trialkit.testing",
    "trialkit.examples",
    "trialkit.example_cohorts",
    "trialkit.example_study",
)
"""Modules beside the layers that stand just below ``cli``."""


def layer_table(text: str) -> dict[str, int]:
    """``{"trialkit.vocab": 1, ...}`` from the "Layers" table of ``docs/architecture.md``."""
    rows = [(int(number), f"trialkit.{name}") for number, name in _ROW.findall(text)]
    numbers = [number for number, _ in rows]
    assert numbers == list(range(1, len(rows) + 1)), f"layer numbers out of order: {numbers}"
    return {package: number for number, package in rows}


LAYERS = layer_table(ARCHITECTURE.read_text(encoding="utf-8"))
TOP = max(LAYERS.values())
CLI = LAYERS["trialkit.cli"]


@dataclass(frozen=True, slots=True)
class Import:
    """One imported module (``module``) at ``line`` of the module ``importer``."""

    importer: str
    line: int
    module: str


def module_name(path: Path) -> str:
    """``src/trialkit/vocab/table.py`` -> ``trialkit.vocab.table`` (a package: its name)."""
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[Import]:
    """Every ``trialkit`` module imported anywhere in ``path`` (functions, ``TYPE_CHECKING``)."""
    return imports_in(
        path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py"
    )


def imports_in(text: str, name: str, is_package: bool = False) -> list[Import]:
    """:func:`imports` of the source ``text`` of the module ``name``."""
    package = name if is_package else name.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(ast.parse(text, name)):
        if isinstance(node, ast.Import):
            found += [Import(name, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # ``from trialkit import eligibility`` imports a layer; a name is its module's.
            found += [Import(name, node.lineno, _target(base, a.name)) for a in node.names]
    found.sort(key=lambda i: i.line)
    return [i for i in found if i.module == "trialkit" or i.module.startswith("trialkit.")]


def _target(base: str, imported: str) -> str:
    candidate = f"{base}.{imported}"
    if candidate in LAYERS or (SOURCE.parent / Path(*candidate.split("."))).is_dir():
        return candidate
    if (SOURCE.parent / Path(*candidate.split("."))).with_suffix(".py").exists():
        return candidate
    return base


def rank(module: str) -> float:
    """The place of ``module`` in the list: its layer's number, 0 below, above the top after."""
    if module == "trialkit" or module == "trialkit.__main__":
        return TOP + 1
    parts = module.split(".")
    if parts[1].startswith("_") or module.startswith(_BESIDE_BELOW):
        return 0
    if module.startswith(_BESIDE_ABOVE):
        return CLI - 0.5
    package = ".".join(parts[:2])
    assert package in LAYERS, (
        f"{package} is in no layer: add its row to the table of docs/architecture.md"
    )
    return LAYERS[package]


def describe(module: str) -> str:
    place = rank(module)
    if place == 0:
        return "below the layers"
    if place > TOP:
        return "the package root"
    if place not in LAYERS.values():
        return "beside the layers, below cli"
    layer = next(p for p, n in LAYERS.items() if n == place)
    return f"layer {int(place)} {layer}"


def upward(path: Path) -> list[str]:
    """A line for each import in ``path`` of a module placed after the importer's own.

    One line per imported module and line (``from m import a, b`` is one).
    """
    lines: dict[str, None] = {}
    for item in imports(path):
        if rank(item.module) > rank(item.importer):
            line = (
                f"{item.importer} (line {item.line}, {describe(item.importer)}) imports "
                f"{item.module} ({describe(item.module)})"
            )
            lines[line] = None
    return list(lines)


def test_the_table_lists_every_package_once_in_order() -> None:
    packages = {
        f"trialkit.{p.name}"
        for p in SOURCE.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and not p.name.startswith("_")
    }
    assert set(LAYERS) == packages, "docs/architecture.md's layer table and src/trialkit differ"
    assert LAYERS["trialkit.vocab"] == 1
    assert CLI == TOP


def test_no_module_imports_a_layer_listed_after_its_own() -> None:
    lines = [line for path in sorted(SOURCE.rglob("*.py")) for line in upward(path)]
    assert not lines, "upward imports (docs/architecture.md, Layers):\n" + "\n".join(lines)


def test_an_import_is_read_wherever_it_is() -> None:
    # The reader itself: deferred, TYPE_CHECKING, relative and from-package imports are seen.
    text = (
        "from typing import TYPE_CHECKING\n"
        "from trialkit.errors import TrialkitError\n"
        "from . import table\n"
        "if TYPE_CHECKING:\n"
        "    from trialkit.record import PatientRecord\n"
        "def f() -> None:\n"
        "    import trialkit.units.quantity\n"
        "    from ..protocol import criteria\n"
        "    from trialkit import eligibility\n"
    )
    found = imports_in(text, "trialkit.vocab.probe")
    assert [(i.line, i.module) for i in found] == [
        (2, "trialkit.errors"),
        (3, "trialkit.vocab.table"),
        (5, "trialkit.record"),
        (7, "trialkit.units.quantity"),
        (8, "trialkit.protocol.criteria"),
        (9, "trialkit.eligibility"),
    ]
    assert [rank(i.module) > rank(i.importer) for i in found] == [
        False,
        False,
        True,
        True,
        True,
        True,
    ]


@pytest.mark.parametrize(
    ("importer", "imported", "upward_import"),
    [
        ("trialkit.vocab.table", "trialkit.units", True),
        ("trialkit.units.quantity", "trialkit.vocab", False),
        ("trialkit.scores.hlh2004", "trialkit.omop.load", False),
        ("trialkit.scores.sofa", "trialkit.protocol.criteria", True),
        ("trialkit.eligibility.sql.run", "trialkit.cli.common", True),
        ("trialkit.cli.demo", "trialkit.examples", False),
        ("trialkit.eligibility.evaluate", "trialkit.testing", True),
        ("trialkit.vocab.table", "trialkit.errors", False),
        ("trialkit._files", "trialkit.vocab", True),
    ],
)
def test_the_order_is_the_documents(importer: str, imported: str, upward_import: bool) -> None:
    assert (rank(imported) > rank(importer)) is upward_import


def test_importing_trialkit_loads_no_layer() -> None:
    # The public names are imported on first use (PEP 562): ``import trialkit`` is cheap.
    code = (
        "import json, sys\nimport trialkit\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('trialkit'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == ["trialkit"]
