"""OMOP CDM 5.4 DDL for the tables trialkit uses, as sqlglot expressions rendered per dialect.

The tables and columns are those of :data:`trialkit.omop.cdm54.TABLES`, generated
from the CDM 5.4 specification. Types map as follows:

=================  ==================================================================
CDM datatype       SQL type
=================  ==================================================================
``integer``        ``BIGINT`` for ``*_id`` columns, ``INT`` otherwise
``float``          ``DOUBLE`` (``DOUBLE PRECISION`` on PostgreSQL)
``date``           ``DATE``
``datetime``       timestamp without time zone (``TIMESTAMP``; Spark ``TIMESTAMP_NTZ``)
``varchar(n)``     ``VARCHAR(n)`` (DuckDB accepts and ignores the length)
``varchar(max)``   ``TEXT`` (Spark ``STRING``)
=================  ==================================================================

Ids are 64-bit, where the OHDSI DDL uses 32-bit ``integer``: trialkit's bridge
numbers rows ``person_id * 10**6 + n`` and synthetic populations exceed 2**31
rows, while every official and local (>= 2,000,000,000) concept id still fits
either type. Required columns are ``NOT NULL``; primary and foreign keys are
not declared (as in the OHDSI DDL, whose keys are a separate, optional script),
so that loading stays a plain bulk insert.
"""

from __future__ import annotations

from functools import cache

from sqlglot import exp

from trialkit.errors import OmopError
from trialkit.omop.cdm54 import TABLES
from trialkit.omop.model import Column, Table

__all__ = ["DIALECTS", "TABLES", "create_table", "ddl", "sql_type", "table"]

#: The SQL dialects the DDL is rendered for (sqlglot names).
DIALECTS: tuple[str, ...] = ("duckdb", "spark", "postgres")

_BY_NAME = {t.name: t for t in TABLES}
_SIMPLE = {
    "float": exp.DataType.Type.DOUBLE,
    "date": exp.DataType.Type.DATE,
    "datetime": exp.DataType.Type.TIMESTAMPNTZ,
    "varchar(max)": exp.DataType.Type.TEXT,
}


def table(name: str) -> Table:
    """The CDM table ``name`` (case-insensitive); :class:`OmopError` if trialkit has none."""
    found = _BY_NAME.get(name.lower())
    if found is None:
        known = ", ".join(_BY_NAME)
        raise OmopError(f"{name}: not an OMOP CDM table trialkit uses ({known})")
    return found


@cache
def sql_type(column: Column) -> exp.DataType:
    """The SQL type of a CDM column (see the module docstring for the mapping)."""
    if column.datatype == "integer":
        kind = exp.DataType.Type.BIGINT if column.name.endswith("_id") else exp.DataType.Type.INT
        return exp.DataType(this=kind)
    if column.datatype in _SIMPLE:
        return exp.DataType(this=_SIMPLE[column.datatype])
    if column.length is not None:
        size = exp.DataTypeParam(this=exp.Literal.number(column.length))
        return exp.DataType(this=exp.DataType.Type.VARCHAR, expressions=[size])
    raise OmopError(f"{column.name}: unknown CDM datatype {column.datatype!r}")


def create_table(spec: Table, *, if_not_exists: bool = True) -> exp.Create:
    """``CREATE TABLE`` for one CDM table, as a sqlglot expression."""
    columns = [
        exp.ColumnDef(
            this=exp.to_identifier(column.name),
            kind=sql_type(column),
            constraints=(
                [exp.ColumnConstraint(kind=exp.NotNullColumnConstraint())]
                if column.required
                else []
            ),
        )
        for column in spec.columns
    ]
    schema = exp.Schema(this=exp.to_table(spec.name), expressions=columns)
    return exp.Create(this=schema, kind="TABLE", exists=if_not_exists)


def ddl(dialect: str = "duckdb", *, if_not_exists: bool = True) -> list[str]:
    """The ``CREATE TABLE`` statements for every table trialkit uses, rendered for ``dialect``."""
    if dialect not in DIALECTS:
        raise OmopError(f"dialect {dialect!r}: use one of {', '.join(DIALECTS)}")
    return [create_table(spec, if_not_exists=if_not_exists).sql(dialect=dialect) for spec in TABLES]
