"""Population pre-screening: the criteria tree compiled to SQL over OMOP CDM 5.4 (``docs/sql.md``).

The same tree the bedside evaluator walks (:mod:`trialkit.eligibility.evaluate`)
compiles to one sqlglot SELECT with a row per person, a TRUE / FALSE / NULL
column per criterion (NULL is unknown: SQL's Kleene logic), the verdict and
the evidence of each leaf; rendered for DuckDB, Spark or PostgreSQL.
:func:`prescreen_to_files` runs it over an OMOP folder, zip, DuckDB file or
PostgreSQL URL (:func:`open_omop`) and writes each protocol's rows to a
``trialkit.prescreen/2`` file (``docs/prescreen.md``), as ``trialkit
prescreen`` does.
"""

from __future__ import annotations

from trialkit.eligibility.sql.attrition import (
    Attrition,
    AttritionRow,
    attrition,
    attrition_of,
    attrition_query,
)
from trialkit.eligibility.sql.build import EvidenceColumn
from trialkit.eligibility.sql.compiler import (
    INDEX_PARAMETER,
    WALKERS,
    Compiled,
    compile_criteria,
    compile_node,
    compile_protocol,
)
from trialkit.eligibility.sql.engine import ENGINES, DuckDBEngine, Engine, as_engine
from trialkit.eligibility.sql.omop_source import SparkSettings, open_omop
from trialkit.eligibility.sql.prescreen_file import PrescreenRun, prescreen_to_files
from trialkit.eligibility.sql.run import (
    Held,
    PersonScreening,
    Prescreening,
    prescreen,
    run,
    screening,
)
from trialkit.errors import NotCompiledError

__all__ = [
    "ENGINES",
    "INDEX_PARAMETER",
    "WALKERS",
    "Attrition",
    "AttritionRow",
    "Compiled",
    "DuckDBEngine",
    "Engine",
    "EvidenceColumn",
    "Held",
    "NotCompiledError",
    "PersonScreening",
    "PrescreenRun",
    "Prescreening",
    "SparkSettings",
    "as_engine",
    "attrition",
    "attrition_of",
    "attrition_query",
    "compile_criteria",
    "compile_node",
    "compile_protocol",
    "open_omop",
    "prescreen",
    "prescreen_to_files",
    "run",
    "screening",
]
