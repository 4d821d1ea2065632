"""Loading a folder (or zip) of OMOP CDM CSV or Parquet files into typed DuckDB tables.

One file per table, named after the table in any case (``PERSON.csv``,
``measurement.parquet``), as OHDSI's Eunomia data sets and most OMOP exports
ship. Only the tables trialkit uses are read; other files are ignored. Every
table is created from the CDM 5.4 DDL (:mod:`trialkit.omop.schema`) and filled
by one ``INSERT ... SELECT`` that casts each column explicitly: CSV files are
read as text (never ``read_csv_auto``'s guesses, which mistype Synthea's
``range_low`` and ``measurement_time``), empty strings are NULL, and dates may
be ``YYYY-MM-DD`` or Athena's ``YYYYMMDD``. A file that cannot be loaded gives
:class:`~trialkit.errors.OmopError` naming the table, the column and, for a
value that cannot be cast, the data row and the value.

With ``strict_concepts``, a concept id that
:func:`trialkit.omop.checks.check_concepts` finds missing from the CONCEPT
table is an error naming the file's data row (``docs/omop.md``, "Checks").
"""

from __future__ import annotations

import csv
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import duckdb
from sqlglot import exp

from trialkit._interrupt import interruptible
from trialkit.errors import OmopError
from trialkit.omop.checks import UnknownConcepts, check_concepts, duckdb_query
from trialkit.omop.model import Column, Table
from trialkit.omop.schema import TABLES, create_table, sql_type, table

__all__ = ["connect", "find_tables", "load_folder", "row_counts"]

_SUFFIXES = (".csv", ".parquet")
_Columns = dict[str, tuple[str, str]]
_ATHENA_DATE = r"^\d{8}$"


def connect(database: str | Path = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with every CDM table trialkit uses created (if absent)."""
    con = interruptible(duckdb.connect(str(database)))
    for spec in TABLES:
        con.execute(create_table(spec).sql(dialect="duckdb"))
    return con


def find_tables(folder: Path) -> dict[str, Path]:
    """The CDM table files in ``folder``, by table name (file names compared case-insensitively)."""
    wanted = {spec.name for spec in TABLES}
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        stem, suffix = path.stem.lower(), path.suffix.lower()
        if suffix not in _SUFFIXES or stem not in wanted or path.name.startswith("."):
            continue
        if stem in found:
            raise OmopError(
                f"{stem}: two files for one table in {folder}: {found[stem].name} and {path.name}"
            )
        found[stem] = path
    return found


def load_folder(
    source: str | Path,
    database: str | Path = ":memory:",
    *,
    strict_concepts: bool = False,
) -> duckdb.DuckDBPyConnection:
    """Load an OMOP CDM folder (or a zip of one) into DuckDB; returns the open connection.

    ``database`` is a DuckDB file (created if needed) or ``:memory:``. Tables
    that the specification requires (person, observation_period) must be
    present; the others are created empty when their file is missing. With
    ``strict_concepts``, a concept id that :func:`check_concepts` finds
    missing from a non-empty CONCEPT table is an :class:`OmopError` naming
    the table, the column, the id and the file's data row.
    """
    path = Path(source)
    if not path.exists():
        raise OmopError(f"{path}: no such folder or zip file")
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory(prefix="trialkit-omop-") as scratch:
            return _load(_extract(path, Path(scratch)), database, path.name, strict_concepts)
    if not path.is_dir():
        raise OmopError(f"{path}: expected a folder of CSV or Parquet files, or a zip of one")
    return _load(path, database, str(path), strict_concepts)


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The number of rows of every CDM table trialkit uses."""
    counts: dict[str, int] = {}
    for spec in TABLES:
        query = exp.select(exp.func("count", exp.Star())).from_(spec.name)
        row = con.execute(query.sql(dialect="duckdb")).fetchone()
        counts[spec.name] = 0 if row is None else int(row[0])
    return counts


def _extract(archive: Path, target: Path) -> Path:
    """Extract the members of ``archive`` that are CDM table files trialkit reads."""
    wanted = {spec.name for spec in TABLES}
    with zipfile.ZipFile(archive) as bundle:
        for member in bundle.infolist():
            name = PurePosixPath(member.filename)
            if (
                member.is_dir()
                or "__MACOSX" in name.parts
                or name.name.startswith(".")
                or name.suffix.lower() not in _SUFFIXES
                or name.stem.lower() not in wanted
            ):
                continue
            if (target / name.name).exists():
                raise OmopError(f"{archive.name}: two members named {name.name}")
            (target / name.name).write_bytes(bundle.read(member))
    return target


def _load(
    folder: Path, database: str | Path, origin: str, strict_concepts: bool
) -> duckdb.DuckDBPyConnection:
    files = find_tables(folder)
    for spec in TABLES:
        if spec.required and spec.name not in files:
            raise OmopError(
                f"{spec.name}: required table missing: no {spec.name}.csv or "
                f"{spec.name}.parquet in {origin}"
            )
    con = connect(database)
    try:
        for spec in TABLES:
            if spec.name in files:
                _load_table(con, spec, files[spec.name])
        if strict_concepts:
            found = check_concepts(duckdb_query(con)).unknown
            if found:
                raise OmopError(found[0].message(_file_row(con, found[0], files)))
    except BaseException:
        con.close()
        raise
    return con


def _source(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[exp.Table, _Columns]:
    """The file as a table expression, and its columns (lower-case name -> name, type)."""
    if path.suffix.lower() == ".parquet":
        reader = exp.Table(
            this=exp.Anonymous(this="read_parquet", expressions=[exp.Literal.string(str(path))])
        )
        query = exp.Describe(this=exp.select(exp.Star()).from_(reader.copy()))
        rows = con.execute(query.sql(dialect="duckdb")).fetchall()
        return reader, {str(n).lower(): (str(n), str(kind)) for n, kind, *_ in rows}
    # The dialect and the columns are given, not sniffed: sniffing costs more than
    # reading a small table, and DuckDB's sniffer takes a ragged row for the header.
    # Comma files quote with "; Athena's tab-separated vocabulary files do not quote
    # at all (a concept name may hold a lone ").
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
    tabs = first.count("\t") > first.count(",")
    delimiter, quote = ("\t", "") if tabs else (",", '"')
    header = next(csv.reader([first], delimiter=delimiter, quotechar=quote or None), [])
    names = [name.strip() for name in header]
    columns = exp.Struct(
        expressions=[
            exp.PropertyEQ(
                this=exp.to_identifier(name, quoted=True), expression=exp.Literal.string("VARCHAR")
            )
            for name in names
        ]
    )
    options: dict[str, exp.Expr] = {
        "header": exp.true(),
        "auto_detect": exp.false(),
        "columns": columns,
        "delim": exp.Literal.string(delimiter),
        "quote": exp.Literal.string(quote),
        "escape": exp.Literal.string(quote),
    }
    reader = exp.Table(
        this=exp.Anonymous(
            this="read_csv",
            expressions=[
                exp.Literal.string(str(path)),
                *(exp.EQ(this=exp.column(k), expression=v) for k, v in options.items()),
            ],
        )
    )
    return reader, {name.lower(): (name, "VARCHAR") for name in names}


def _value(column: Column, name: str, kind: str, *, strict: bool) -> exp.Expr:
    """The expression that turns the file's column into the CDM column's type.

    ``strict`` casts fail the statement on a bad value; the others (TRY_CAST)
    give NULL, which is how :func:`_diagnose` finds the value.
    """
    target = sql_type(column)

    def cast(value: exp.Expr) -> exp.Expr:
        return (
            exp.Cast(this=value, to=target.copy())
            if strict
            else exp.TryCast(this=value, to=target.copy())
        )

    raw: exp.Expr = exp.column(name, quoted=True)
    if kind != "VARCHAR":
        return cast(raw)
    text = exp.func("nullif", raw, exp.Literal.string(""))
    if column.datatype != "date":
        return cast(text)
    # Athena's vocabulary files write dates as 19700101.
    athena = exp.func("regexp_full_match", text.copy(), exp.Literal.string(_ATHENA_DATE))
    parse = "strptime" if strict else "try_strptime"
    compact = exp.func(parse, text.copy(), exp.Literal.string("%Y%m%d"))
    return exp.Case(
        ifs=[exp.If(this=athena, true=exp.Cast(this=compact, to=target.copy()))],
        default=cast(text.copy()),
    )


def _load_table(con: duckdb.DuckDBPyConnection, spec: Table, path: Path) -> None:
    source, columns = _source(con, path)
    present: list[tuple[Column, str, str]] = []
    for column in spec.columns:
        if column.name in columns:
            present.append((column, *columns[column.name]))
        elif column.required:
            raise OmopError(f"{spec.name}.{column.name}: required column missing from {path.name}")
    select = exp.select(
        *(_value(c, name, kind, strict=True).as_(c.name) for c, name, kind in present)
    ).from_(source)
    insert = exp.insert(select, spec.name, columns=[c.name for c, _, _ in present])
    try:
        con.execute(insert.sql(dialect="duckdb"))
    except duckdb.Error as error:
        # A malformed file (a ragged row, a bad quote) is reported as DuckDB reads it;
        # then a bad value or a missing required value is looked for column by column.
        failure = error
        found = None
        try:
            count = exp.select(exp.func("count", exp.Star())).from_(source.copy())
            con.execute(count.sql(dialect="duckdb")).fetchall()
            found = _diagnose(con, spec, path, source, present)
        except duckdb.Error as structural:
            failure = structural
        raise found or OmopError(
            f"{spec.name}: {path.name} cannot be loaded: {_one_line(failure)}"
        ) from None


def _one_line(error: duckdb.Error) -> str:
    """DuckDB's message up to its list of possible fixes, on one line."""
    kept = []
    for line in str(error).splitlines():
        if line.startswith("Possible fixes"):
            break
        if line.strip():
            kept.append(line.strip())
    return "; ".join(kept)


def _diagnose(
    con: duckdb.DuckDBPyConnection,
    spec: Table,
    path: Path,
    source: exp.Table,
    present: list[tuple[Column, str, str]],
) -> OmopError | None:
    """The first bad value or missing required value in the file, as an error naming it."""
    numbered = exp.select(
        exp.Star(), exp.Window(this=exp.func("row_number")).as_("trialkit_row")
    ).from_(source.copy())
    for column, name, kind in present:
        raw = exp.column(name, quoted=True)
        blank = exp.or_(
            raw.is_(exp.null()),
            exp.EQ(this=exp.cast(raw.copy(), "VARCHAR"), expression=exp.Literal.string("")),
        )
        converted = _value(column, name, kind, strict=False)
        failed = exp.and_(exp.not_(blank.copy()), converted.is_(exp.null()))
        condition = exp.or_(failed, blank) if column.required else failed
        query = (
            exp.select(exp.column("trialkit_row"), exp.cast(raw.copy(), "VARCHAR"))
            .from_(numbered.subquery("numbered"))
            .where(condition)
            .order_by("trialkit_row")
            .limit(1)
        )
        row = con.execute(query.sql(dialect="duckdb")).fetchone()
        if row is None:
            continue
        where = f"{spec.name}.{column.name}: {path.name} data row {row[0]}"
        if row[1] is None or row[1] == "":
            return OmopError(f"{where}: a value is required (the column is NOT NULL)")
        return OmopError(
            f"{where}: {row[1]!r} is not a valid {column.datatype} "
            f"({sql_type(column).sql(dialect='duckdb')})"
        )
    return None


def _file_row(
    con: duckdb.DuckDBPyConnection, found: UnknownConcepts, files: dict[str, Path]
) -> str | None:
    """``data row N of <file>`` of the row ``found`` names (None if the file does not hold it)."""
    path = files.get(found.table)
    if path is None:
        return None
    spec = table(found.table)
    source, columns = _source(con, path)
    name, kind = columns[found.key]
    key = spec.column(found.key)
    assert key is not None  # the key is the table's first column
    numbered = exp.select(
        exp.Star(), exp.Window(this=exp.func("row_number")).as_("trialkit_row")
    ).from_(source)
    query = (
        exp.select(exp.column("trialkit_row"))
        .from_(numbered.subquery("numbered"))
        .where(_value(key, name, kind, strict=False).eq(exp.Literal.number(found.row_id)))
        .order_by("trialkit_row")
        .limit(1)
    )
    row = con.execute(query.sql(dialect="duckdb")).fetchone()
    return None if row is None else f"data row {row[0]} of {path.name}"
