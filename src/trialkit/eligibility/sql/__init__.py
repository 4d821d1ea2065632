"""Population pre-screening: the criteria tree compiled to SQL over OMOP CDM 5.4 (``docs/sql.md``).

The same tree the bedside evaluator walks (:mod:`trialkit.eligibility.evaluate`)
compiles to one sqlglot SELECT with a row per person, a TRUE / FALSE / NULL
column per criterion (NULL is unknown: SQL's Kleene logic), the verdict and
the evidence of each leaf; rendered for DuckDB, Spark or PostgreSQL.
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
    "Prescreening",
    "as_engine",
    "attrition",
    "attrition_of",
    "attrition_query",
    "compile_criteria",
    "compile_node",
    "compile_protocol",
    "prescreen",
    "run",
    "screening",
]
