"""OMOP CDM 5.4: schema, loading, and the bridge from FHIR-derived records (``docs/omop.md``).

- :mod:`~trialkit.omop.schema`: the 11 CDM tables trialkit uses, generated from
  the CDM 5.4 specification, and their DDL for DuckDB, Spark and PostgreSQL.
- :mod:`~trialkit.omop.load`: a folder or zip of CSV / Parquet files into typed
  DuckDB tables.
- :mod:`~trialkit.omop.bridge` and :mod:`~trialkit.omop.write`: a
  :class:`~trialkit.record.PatientRecord` as OMOP rows, and those rows in DuckDB.
- :mod:`~trialkit.omop.concepts`: official and local OMOP concept ids.
"""

from __future__ import annotations

from trialkit.omop.bridge import omop_rows
from trialkit.omop.concepts import LOCAL_CONCEPT_MIN, concept_id, concept_key
from trialkit.omop.load import connect, load_folder, row_counts
from trialkit.omop.rows import OmopRows
from trialkit.omop.schema import DIALECTS, TABLES, ddl, table
from trialkit.omop.write import write_records, write_rows

__all__ = [
    "DIALECTS",
    "LOCAL_CONCEPT_MIN",
    "TABLES",
    "OmopRows",
    "concept_id",
    "concept_key",
    "connect",
    "ddl",
    "load_folder",
    "omop_rows",
    "row_counts",
    "table",
    "write_records",
    "write_rows",
]
