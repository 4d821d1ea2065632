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
import os
import shutil
import tempfile
import uuid
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import duckdb
from sqlglot import exp

from trialkit.errors import OmopError
from trialkit.omop.checks import UnknownConcepts, check_concepts, check_rows, duckdb_query
from trialkit.omop.marker import COMPLETE, LOADING, mark
from trialkit.omop.model import Column, Table
from trialkit.omop.quiet import quiet_connect
from trialkit.omop.schema import TABLES, create_table, sql_type, table

__all__ = ["connect", "find_tables", "load_database", "load_folder", "row_counts", "table_of"]

_SUFFIXES = (".csv", ".parquet")
_TABLE_NAMES = frozenset(spec.name for spec in TABLES)
_Columns = dict[str, tuple[str, str]]
_ATHENA_DATE = r"^\d{8}$"


def connect(database: str | Path = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with every CDM table trialkit uses created (if absent)."""
    con = quiet_connect(database)
    _create_tables(con)
    return con


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for spec in TABLES:
        con.execute(create_table(spec).sql(dialect="duckdb"))


def table_of(path: Path) -> str | None:
    """The CDM table a file of this name is read as (``PERSON.csv``: person), else None.

    A table trialkit uses, named in any case, ``.csv`` or ``.parquet``; a
    hidden name (``.person.csv``) is not read.
    """
    stem, suffix = path.stem.lower(), path.suffix.lower()
    if suffix not in _SUFFIXES or stem not in _TABLE_NAMES or path.name.startswith("."):
        return None
    return stem


def find_tables(folder: Path) -> dict[str, Path]:
    """The CDM table files in ``folder``, by table name (file names compared case-insensitively)."""
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        stem = table_of(path)
        if stem is None:
            continue
        if stem in found:
            raise OmopError(
                f"{stem}: two files for one table in {folder}: {found[stem].name} and {path.name}"
            )
        if not path.is_file():  # a FIFO would block the read, a device never end
            raise OmopError(f"{stem}: {path.name} in {folder} is not a regular file")
        found[stem] = path
    return found


def load_folder(
    source: str | Path,
    database: str | Path = ":memory:",
    *,
    strict_concepts: bool = False,
) -> duckdb.DuckDBPyConnection:
    """Load an OMOP CDM folder (or a zip of one) into DuckDB; returns the open connection.

    ``database`` is a DuckDB file (created if needed; marked ``loading`` until
    the load is complete, :mod:`trialkit.omop.marker`; :func:`load_database`
    creates a new file atomically) or ``:memory:``. Tables
    that the specification requires (person, observation_period) must be
    present; the others are created empty when their file is missing. With
    ``strict_concepts``, a concept id that :func:`check_concepts` finds
    missing from a non-empty CONCEPT table is an :class:`OmopError` naming
    the table, the column, the id and the file's data row.
    """
    path = Path(source)
    if not path.exists():
        raise OmopError(f"{path}: no such folder or zip file")
    if path.is_file() and (zipfile.is_zipfile(path) or path.suffix.lower() == ".zip"):
        with tempfile.TemporaryDirectory(prefix="trialkit-omop-") as scratch:
            return _load(_extract(path, Path(scratch)), database, path.name, strict_concepts)
    if not path.is_dir():
        raise OmopError(f"{path}: expected a folder of CSV or Parquet files, or a zip of one")
    return _load(path, database, str(path), strict_concepts)


def load_database(
    source: str | Path, database: str | Path, *, strict_concepts: bool = False
) -> duckdb.DuckDBPyConnection:
    """Load a folder or zip into the new DuckDB file ``database``; returns it opened read-only.

    The file appears complete or not at all:

    - its name is taken first, by an exclusive create (an empty file): a file
      of that name, another run's included, is never overwritten, and a second
      run with the same name is refused at once (:class:`OmopError`);
    - the load goes to a hidden file beside it (``.<name>.<random>.loading``),
      marked ``loading`` first and ``complete`` last
      (:mod:`trialkit.omop.marker`), then renamed over the empty file;
    - a failure or an interrupt removes the hidden file and the empty file
      this run created, and nothing else.

    Killed outright (SIGKILL), a run leaves the empty file and the hidden
    one; :func:`~trialkit.omop.checks.open_database` refuses both.
    """
    target = Path(database)
    identity = _reserve(target)
    loading = target.with_name(f".{target.name}.{uuid.uuid4().hex}.loading")
    try:
        load_folder(source, loading, strict_concepts=strict_concepts).close()
        if _wal(loading).exists():  # none after the checkpoint; if any, it goes with its file
            os.replace(_wal(loading), _wal(target))
        os.replace(loading, target)
    except BaseException:
        loading.unlink(missing_ok=True)
        _wal(loading).unlink(missing_ok=True)
        _release(target, identity)
        raise
    return quiet_connect(target, read_only=True)


def _wal(database: Path) -> Path:
    """DuckDB's write-ahead log of a database file."""
    return database.with_name(database.name + ".wal")


def _reserve(target: Path) -> tuple[int, int]:
    """Create ``target`` empty, exclusively; its (device, inode), to remove only this file."""
    try:
        handle = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        raise OmopError(
            f"{target}: exists (a finished load, or another run loading it); a database file "
            "is never overwritten: give a new file name"
        ) from None
    except OSError as error:
        raise OmopError(f"{target}: cannot be created: {error.strerror}") from None
    try:
        found = os.fstat(handle)
    finally:
        os.close(handle)
    return found.st_dev, found.st_ino


def _release(target: Path, identity: tuple[int, int]) -> None:
    """Remove ``target`` if it is still the empty file :func:`_reserve` created."""
    try:
        found = target.stat()
    except FileNotFoundError:
        return
    if (found.st_dev, found.st_ino) == identity and found.st_size == 0:
        target.unlink(missing_ok=True)


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The number of rows of every CDM table trialkit uses."""
    counts: dict[str, int] = {}
    for spec in TABLES:
        query = exp.select(exp.func("count", exp.Star())).from_(spec.name)
        row = con.execute(query.sql(dialect="duckdb")).fetchone()
        counts[spec.name] = 0 if row is None else int(row[0])
    return counts


def _extract(archive: Path, target: Path) -> Path:
    """Extract the members of ``archive`` that are CDM table files trialkit reads.

    A zip bomb is refused from the central directory, before anything is
    expanded: a member expanding more than :data:`MAX_COMPRESSION_RATIO` times
    its compressed size, or members expanding to more than the free space of
    ``target``. Members are streamed to disk in chunks, never held whole; a
    damaged member (bad CRC, truncated data, a size that lies) or an encrypted
    one is an :class:`OmopError` naming it.
    """
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise OmopError(f"{archive.name}: not a readable zip file: {error}") from None
    with bundle:
        members = _members(archive, bundle)
        expanded = sum(m.file_size for m in members)
        room = _room(target)
        if expanded > room:
            raise OmopError(
                f"{archive.name}: its CDM members expand to {expanded:,} bytes, more than the "
                f"{room:,} bytes free in {target.parent} (unzip it elsewhere and pass the folder)"
            )
        for member in members:
            _stream(archive, bundle, member, target / PurePosixPath(member.filename).name)
    return target


MAX_COMPRESSION_RATIO = 100
"""A zip member expanding more than this many times its compressed size is refused (a bomb).

CDM CSV files deflate 4 to 10 times (Synthea27Nj's largest member 10.4,
a synthetic population's 8.0); a zip bomb expands hundreds of times (an
11 MB zip of 3 GB, 270).
"""
_CHUNK = 2**20


def _members(archive: Path, bundle: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The members trialkit reads, checked from the central directory (no data read).

    One member per table, as in a folder (:func:`find_tables`): two members
    that would be read as one table (``a/person.csv`` and ``b/PERSON.csv``, or
    ``person.parquet``) are an :class:`OmopError` naming the zip and both.
    """
    wanted = {spec.name for spec in TABLES}
    found: list[zipfile.ZipInfo] = []
    tables: dict[str, str] = {}
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
        where = f"{archive.name}: {member.filename}"
        # Checked here, by member path: once extracted, the two files would be named
        # only in the temporary folder, which is gone when the message is read.
        stem = name.stem.lower()
        if stem in tables:
            raise OmopError(
                f"{stem}: two files for one table in {archive.name}: "
                f"{tables[stem]} and {member.filename}"
            )
        tables[stem] = member.filename
        if member.flag_bits & 0x1:
            raise OmopError(f"{where}: the member is encrypted; trialkit reads unencrypted zips")
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise OmopError(
                f"{where}: compression ratio {ratio:,.0f} ({member.compress_size:,} bytes "
                f"expanding to {member.file_size:,}) is above {MAX_COMPRESSION_RATIO}: "
                "refused as a zip bomb (unzip it yourself if the file is genuine)"
            )
        found.append(member)
    return found


def _room(folder: Path) -> int:
    """The bytes free in the file system of ``folder``."""
    return shutil.disk_usage(folder).free


def _stream(archive: Path, bundle: zipfile.ZipFile, member: zipfile.ZipInfo, file: Path) -> None:
    """Copy one member to ``file`` in chunks, never more bytes than its header declares."""
    where = f"{archive.name}: {member.filename}"
    written = 0
    try:
        with bundle.open(member) as source, file.open("wb") as sink:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > member.file_size:
                    raise OmopError(f"{where}: damaged: expands beyond its declared size")
                sink.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise OmopError(f"{where}: damaged ({error}); the zip cannot be read") from None
    except NotImplementedError as error:
        raise OmopError(f"{where}: {error}; re-zip it with deflate") from None
    if written != member.file_size:
        raise OmopError(f"{where}: damaged: {written:,} bytes instead of {member.file_size:,}")


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
    in_file = str(database) != ":memory:"
    con = quiet_connect(database)
    try:
        if in_file:
            # Marked first, before any table exists: a file stopped at any later
            # point says it is incomplete (trialkit.omop.marker).
            mark(con, LOADING, origin)
        _create_tables(con)
        for spec in TABLES:
            if spec.name in files:
                _load_table(con, spec, files[spec.name])
        check_rows(duckdb_query(con))
        if strict_concepts:
            found = check_concepts(duckdb_query(con)).unknown
            if found:
                raise OmopError(found[0].message(_file_row(con, found[0], files)))
        if in_file:
            mark(con, COMPLETE, origin)
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
        try:
            rows = con.execute(query.sql(dialect="duckdb")).fetchall()
        except duckdb.Error as error:
            raise OmopError(
                f"{path.stem.lower()}: {path.name} cannot be read as Parquet: {_one_line(error)}"
            ) from None
        found = [str(n) for n, *_ in rows]
        _distinct(path, found)
        return reader, {str(n).lower(): (str(n), str(kind)) for n, kind, *_ in rows}
    # The dialect and the columns are given, not sniffed: sniffing costs more than
    # reading a small table, and DuckDB's sniffer takes a ragged row for the header.
    # Comma files quote with "; Athena's tab-separated vocabulary files do not quote
    # at all (a concept name may hold a lone ").
    first = _header(path)
    delimiter, quote = _dialect(first)
    header = next(csv.reader([first], delimiter=delimiter, quotechar=quote or None), [])
    names = [name.strip() for name in header]
    _distinct(path, names)
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


_HEADER_LIMIT = 2**16


def _distinct(path: Path, names: list[str]) -> None:
    """Refuse a file with two columns of one name (compared as the CDM compares: any case)."""
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise OmopError(f"{path.stem.lower()}: {path.name} has two columns named {name!r}")
        seen.add(name.lower())


def _header(path: Path) -> str:
    """The CSV file's header line, decoded (read as bytes: a bad byte further on is not its)."""
    with path.open("rb") as handle:
        raw = handle.readline(_HEADER_LIMIT)
    if len(raw) == _HEADER_LIMIT and not raw.endswith(b"\n"):
        raise OmopError(
            f"{path.stem.lower()}: {path.name} header line: longer than {_HEADER_LIMIT:,} bytes"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise OmopError(
            f"{path.stem.lower()}: {path.name} header line: not UTF-8 text "
            f"(byte {raw[error.start]:#04x} at {error.start + 1})"
        ) from None


def _dialect(header: str) -> tuple[str, str]:
    """The delimiter and quote of a CSV file from its header: tabs unquoted, else commas and \"."""
    tabs = header.count("\t") > header.count(",")
    return ("\t", "") if tabs else (",", '"')


def _not_utf8(spec: Table, path: Path) -> OmopError | None:
    """The first field of a CSV file that is not UTF-8 text, as an error naming it (else None).

    Read with ``surrogateescape`` so that a bad byte becomes a lone surrogate
    the scan can find; only called once DuckDB has refused the file.
    """
    delimiter, quote = _dialect(_header(path))
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        rows = csv.reader(handle, delimiter=delimiter, quotechar=quote or None)
        names = [name.strip().lower() for name in next(rows, [])]
        for number, row in enumerate(rows, 1):
            for position, field in enumerate(row):
                if any("\udc80" <= c <= "\udcff" for c in field):
                    column = names[position] if position < len(names) else f"field {position + 1}"
                    raw = field.encode("utf-8", "surrogateescape")
                    return OmopError(
                        f"{spec.name}.{column}: {path.name} data row {number}: "
                        f"{raw!r} is not UTF-8 text"
                    )
    return None


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
        return _fitted(column, cast(raw), strict=strict)
    text = exp.func("nullif", raw, exp.Literal.string(""))
    if column.datatype != "date":
        return _fitted(column, cast(text), strict=strict)
    # Athena's vocabulary files write dates as 19700101.
    athena = exp.func("regexp_full_match", text.copy(), exp.Literal.string(_ATHENA_DATE))
    parse = "strptime" if strict else "try_strptime"
    compact = exp.func(parse, text.copy(), exp.Literal.string("%Y%m%d"))
    return exp.Case(
        ifs=[exp.If(this=athena, true=exp.Cast(this=compact, to=target.copy()))],
        default=cast(text.copy()),
    )


def _fitted(column: Column, value: exp.Expr, *, strict: bool) -> exp.Expr:
    """``value`` within a ``varchar(n)`` column's length (DuckDB does not enforce it).

    PostgreSQL does: a longer value loaded here failed the copy to it. Too
    long fails the statement (``strict``) or gives NULL (for :func:`_diagnose`).
    """
    if column.length is None:
        return value
    too_long = exp.GT(
        this=exp.func("length", value.copy()), expression=exp.Literal.number(column.length)
    )
    refused = (
        exp.func("error", exp.Literal.string(f"{column.name}: longer than {column.length}"))
        if strict
        else exp.null()
    )
    return exp.Case(ifs=[exp.If(this=too_long, true=refused)], default=value)


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
        if "invalid unicode" in str(error).lower() and path.suffix.lower() == ".csv":
            found = _not_utf8(spec, path)
        if found is None:
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
        if line.startswith(("Possible fixes", "LINE ")):
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
        if column.length is not None and len(str(row[1])) > column.length:
            return OmopError(
                f"{where}: {_shortened(str(row[1]))!r} is longer than the column's "
                f"{column.length} characters"
            )
        return OmopError(
            f"{where}: {row[1]!r} is not a valid {column.datatype} "
            f"({sql_type(column).sql(dialect='duckdb')})"
        )
    return None


def _shortened(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
