"""OMOP CDM 5.4: schema and loading (``docs/omop.md``).

- :mod:`~trialkit.omop.schema`: the 11 CDM tables trialkit uses, generated from
  the CDM 5.4 specification, and their DDL for DuckDB, Spark and PostgreSQL.
- :mod:`~trialkit.omop.load`: a folder or zip of CSV / Parquet files into typed
  DuckDB tables.
"""

from __future__ import annotations

from trialkit.omop.load import connect, load_folder, row_counts
from trialkit.omop.schema import DIALECTS, TABLES, ddl, table

__all__ = ["DIALECTS", "TABLES", "connect", "ddl", "load_folder", "row_counts", "table"]
