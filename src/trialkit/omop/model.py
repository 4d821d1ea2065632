"""The shape of the OMOP CDM table definitions that ``cdm54.py`` lists."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Column", "Table"]


@dataclass(frozen=True, slots=True)
class Column:
    """One CDM field: its name, CDM datatype as the specification spells it, and NOT NULL.

    ``datatype`` is the specification's ``cdmDatatype`` in lower case: ``integer``,
    ``float``, ``date``, ``datetime``, ``varchar(n)`` or ``varchar(max)``.
    ``primary_key`` is the specification's ``isPrimaryKey``: the column's value
    identifies one row of the table.
    """

    name: str
    datatype: str
    required: bool
    primary_key: bool = False

    @property
    def length(self) -> int | None:
        """The maximum length of a ``varchar(n)`` column, None for other types."""
        if self.datatype.startswith("varchar(") and self.datatype != "varchar(max)":
            return int(self.datatype[len("varchar(") : -1])
        return None


@dataclass(frozen=True, slots=True)
class Table:
    """One CDM table; ``required`` is the specification's table-level ``isRequired``."""

    name: str
    required: bool
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column | None:
        """The column ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((c for c in self.columns if c.name == wanted), None)

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in the specification's order."""
        return tuple(c.name for c in self.columns)
