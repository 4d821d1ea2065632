"""Reading the OMOP CDM specification CSVs (OHDSI/CommonDataModel ``inst/csv``).

The CSVs themselves are not shipped (``../shared/datasets/README.md``): this
reader feeds ``scripts/omop_cdm54.py``, which writes ``cdm54.py``, and the test
that checks ``cdm54.py`` against the specification.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from trialkit.errors import OmopError
from trialkit.omop.model import Column, Table

__all__ = ["TRIALKIT_TABLES", "tables_from_spec"]

#: The CDM tables trialkit reads or writes, in the order they are created.
TRIALKIT_TABLES: tuple[str, ...] = (
    "person",
    "observation_period",
    "visit_occurrence",
    "condition_occurrence",
    "drug_exposure",
    "procedure_occurrence",
    "measurement",
    "observation",
    "death",
    "concept",
    "concept_ancestor",
)


def tables_from_spec(
    field_level: Path, table_level: Path, names: Iterable[str] = TRIALKIT_TABLES
) -> tuple[Table, ...]:
    """The tables ``names`` as the specification defines them, columns in its order."""
    with table_level.open(encoding="utf-8-sig", newline="") as handle:
        required = {
            row["cdmTableName"].lower(): row["isRequired"] == "Yes"
            for row in csv.DictReader(handle)
        }
    columns: dict[str, list[Column]] = {}
    with field_level.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            table = row["cdmTableName"].lower()
            columns.setdefault(table, []).append(
                Column(
                    row["cdmFieldName"].lower(),
                    row["cdmDatatype"].lower(),
                    row["isRequired"] == "Yes",
                    row["isPrimaryKey"] == "Yes",
                )
            )
    tables = []
    for name in names:
        if name not in columns or name not in required:
            raise OmopError(f"{field_level.name}: the specification has no table {name!r}")
        tables.append(Table(name, required[name], tuple(columns[name])))
    return tuple(tables)
