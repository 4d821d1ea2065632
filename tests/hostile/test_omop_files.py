"""Hostile OMOP files: zip bombs, damaged zips and bytes that are not UTF-8.

Each case runs ``trialkit prescreen`` and must end with exit code 2 and one
line on stderr naming the file, the table or the member, never a traceback,
and within seconds. The cases whose failure would be a blow-up or a hang (the
bomb, under a memory limit; a FIFO, a device) run in a subprocess that a
timeout stops; the others in this process (``hostile.conftest.in_process``).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from hostile.conftest import in_process, refused
from sql.engines import postgres_url
from trialkit.errors import OmopError
from trialkit.omop import load as omop_load
from trialkit.omop import load_folder, row_counts

PERSON = (
    "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,"
    "race_concept_id,ethnicity_concept_id,person_source_value\n"
    "1,8532,2014,10,22,0,0,p1\n"
    "2,8507,2010,3,4,0,0,p2\n"
)
PERIOD = (
    "observation_period_id,person_id,observation_period_start_date,"
    "observation_period_end_date,period_type_concept_id\n"
    "1,1,2020-01-01,2025-06-30,32817\n"
    "2,2,2020-01-01,2025-06-30,32817\n"
)
MEMORY_LIMIT = 1000 * 2**20
"""Address space of the memory-limited runs: the CLI screens a small folder within it."""
BOMB_SIZE = 2**30
"""The expanded size of the bomb's member: more than the memory limit."""
SECONDS = 60.0
"""Each refusal must come well within this (the bomb is refused before it is expanded)."""

_LIMITED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from trialkit.cli import run
sys.exit(run(sys.argv[1:]))
"""


def _args(omop: Path, out: Path) -> list[str]:
    return [
        "prescreen",
        "--omop",
        str(omop),
        "--protocol",
        "rux-hlh-salvage",
        "--out",
        str(out),
        "--quiet",
    ]


def _prescreen(omop: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """``trialkit prescreen --omop omop`` run in this process."""
    args = _args(omop, out)
    done = in_process(*args)
    return subprocess.CompletedProcess(args, done.code, done.out, done.err)


def _prescreen_process(
    omop: Path, out: Path, *, limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    """``trialkit prescreen --omop omop`` in a subprocess (under an address-space limit)."""
    code = _LIMITED.format(limit=limit or resource.RLIM_INFINITY)
    return subprocess.run(
        [sys.executable, "-c", code, *_args(omop, out)],
        capture_output=True,
        text=True,
        timeout=SECONDS * 2,
        check=False,
    )


def _zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A zip of a CDM folder whose measurement.csv expands 1 GiB of zeros (ratio about 230)."""
    path = tmp_path_factory.mktemp("bomb") / "cdm.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bundle:
        bundle.writestr("person.csv", PERSON)
        bundle.writestr("observation_period.csv", PERIOD)
        with bundle.open("measurement.csv", "w", force_zip64=True) as member:
            chunk = bytes(2**24)
            for _ in range(BOMB_SIZE // len(chunk)):
                member.write(chunk)
    return path


def test_a_zip_bomb_is_refused_before_it_is_expanded(bomb: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    result = _prescreen_process(bomb, tmp_path / "out.csv", limit=MEMORY_LIMIT)
    refused(result, "cdm.zip", "measurement.csv", "compression ratio")
    assert time.monotonic() - started < SECONDS
    assert not (tmp_path / "out.csv").exists()


def test_members_are_streamed_to_disk_not_read_whole(tmp_path: Path) -> None:
    """Python never holds a member whole: its peak allocation stays far below the member's size."""
    header = "measurement_id,person_id,measurement_concept_id,measurement_date,"
    header += "measurement_type_concept_id,value_as_number\n"
    text = header + "".join(
        f"{n},{1 + n % 2},3020416,2025-06-01,32817,{n % 997}\n" for n in range(1, 1_000_001)
    )
    archive = _zip(
        tmp_path / "cdm.zip",
        {"person.csv": PERSON, "observation_period.csv": PERIOD, "measurement.csv": text},
    )
    assert len(text) / archive.stat().st_size < omop_load.MAX_COMPRESSION_RATIO
    small = _zip(tmp_path / "small.zip", {"person.csv": PERSON, "observation_period.csv": PERIOD})
    load_folder(small).close()  # the modules a load imports are not counted below
    tracemalloc.start()
    try:
        con = load_folder(archive)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    try:
        assert row_counts(con)["measurement"] == 1_000_000
    finally:
        con.close()
    assert peak < len(text) / 4, (peak, len(text))


def test_the_expanded_total_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = _zip(tmp_path / "cdm.zip", {"person.csv": PERSON, "observation_period.csv": PERIOD})
    monkeypatch.setattr(omop_load, "_room", lambda folder: 100)
    with pytest.raises(OmopError, match=r"^cdm\.zip: its CDM members expand to 3\d\d bytes"):
        load_folder(archive)


def _flip_crc(archive: Path, member: str) -> None:
    """Damage ``member``'s data in place (its CRC then no longer matches)."""
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as bundle:
        info = bundle.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    archive.write_bytes(bytes(data))


def test_damaged_zips_are_refused_with_one_line(tmp_path: Path) -> None:
    members = {"person.csv": PERSON * 50, "observation_period.csv": PERIOD}
    good = _zip(tmp_path / "good.zip", members)
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    refused(_prescreen(truncated, tmp_path / "a.csv"), "truncated.zip", "not a readable zip")
    bad_crc = _zip(tmp_path / "crc.zip", members)
    _flip_crc(bad_crc, "person.csv")
    refused(_prescreen(bad_crc, tmp_path / "b.csv"), "crc.zip", "person.csv", "damaged")
    # An encrypted member: the flag bit of ZipCrypto, as `zip -e` writes it.
    encrypted = _zip(tmp_path / "secret.zip", members)
    data = bytearray(encrypted.read_bytes())
    with zipfile.ZipFile(encrypted) as bundle:
        infos = bundle.infolist()
    central = data.find(b"PK\x01\x02")
    for info in infos:
        data[info.header_offset + 6] |= 0x01
    while central != -1:
        data[central + 8] |= 0x01
        central = data.find(b"PK\x01\x02", central + 4)
    encrypted.write_bytes(bytes(data))
    refused(_prescreen(encrypted, tmp_path / "c.csv"), "secret.zip", "encrypted")
    assert not any(p.suffix == ".csv" for p in tmp_path.iterdir())


def test_a_member_compressed_by_a_method_zipfile_cannot_read_is_refused(tmp_path: Path) -> None:
    """Method 98 (PPMd) in both headers: zipfile raises NotImplementedError when it opens it."""
    archive = _zip(tmp_path / "ppmd.zip", {"person.csv": PERSON, "observation_period.csv": PERIOD})
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as bundle:
        info = bundle.getinfo("person.csv")
    data[info.header_offset + 8 : info.header_offset + 10] = (98).to_bytes(2, "little")
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = int.from_bytes(data[central + 28 : central + 30], "little")
        if bytes(data[central + 46 : central + 46 + name_length]) == b"person.csv":
            data[central + 10 : central + 12] = (98).to_bytes(2, "little")
        central = data.find(b"PK\x01\x02", central + 4)
    archive.write_bytes(bytes(data))
    refused(_prescreen(archive, tmp_path / "out.csv"), "ppmd.zip", "person.csv", "deflate")


def test_a_zip_whose_member_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    """The central directory says 10 bytes; the data expands to far more: damaged, not loaded."""
    body = PERSON + "".join(f"{n},8532,2014,10,22,0,0,p{n}\n" for n in range(3, 20_000))
    archive = _zip(tmp_path / "lies.zip", {"person.csv": body, "observation_period.csv": PERIOD})
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as bundle:
        info = bundle.getinfo("person.csv")
    size = len(body).to_bytes(4, "little")
    small = (10).to_bytes(4, "little")
    at = data.find(size)
    while at != -1:
        data[at : at + 4] = small
        at = data.find(size, at + 4)
    archive.write_bytes(bytes(data))
    assert zlib.crc32(body.encode()) == info.CRC
    refused(_prescreen(archive, tmp_path / "out.csv"), "lies.zip", "person.csv")


def test_a_byte_that_is_not_utf8_names_the_table_the_column_and_the_row(tmp_path: Path) -> None:
    folder = tmp_path / "cdm"
    folder.mkdir()
    (folder / "observation_period.csv").write_text(PERIOD, encoding="utf-8")
    person = PERSON.encode().replace(b",p2\n", b",p\xff\xfe2\n")
    (folder / "person.csv").write_bytes(person)
    err = refused(_prescreen(folder, tmp_path / "out.csv"))
    assert err == (
        "trialkit: error: person.person_source_value: person.csv data row 2: "
        "b'p\\xff\\xfe2' is not UTF-8 text\n"
    )
    # In the header line too.
    (folder / "person.csv").write_bytes(b"person_id,gender\xe9\n1,2\n")
    err = refused(_prescreen(folder, tmp_path / "out.csv"))
    assert err.startswith("trialkit: error: person: person.csv header line: not UTF-8 text"), err


@pytest.mark.engine
def test_a_value_longer_than_its_column_is_refused_on_every_engine(tmp_path: Path) -> None:
    """DuckDB ignores VARCHAR(50); PostgreSQL refused the copy with a traceback."""
    long = "x" * 51
    folder = tmp_path / "cdm"
    folder.mkdir()
    (folder / "person.csv").write_text(PERSON.replace(",p2\n", f",{long}\n"))
    (folder / "observation_period.csv").write_text(PERIOD)
    with pytest.raises(
        OmopError,
        match=r"^person\.person_source_value: person\.csv data row 2: 'x{51}' is longer than "
        r"the column's 50 characters$",
    ):
        load_folder(folder)
    err = refused(_prescreen(folder, tmp_path / "out.csv"), "person.person_source_value")
    assert "data row 2" in err
    # A DuckDB file another tool wrote holds it: PostgreSQL's copy names the table.
    url = postgres_url()
    from trialkit.omop import connect

    path = tmp_path / "cdm.duckdb"
    con = connect(path)
    con.execute(
        "INSERT INTO person (person_id, gender_concept_id, year_of_birth, race_concept_id, "
        f"ethnicity_concept_id, person_source_value) VALUES (1, 8532, 2014, 0, 0, '{long}')"
    )
    con.execute("INSERT INTO observation_period VALUES (1, 1, '2020-01-01', '2025-06-30', 32817)")
    con.close()
    args = ["prescreen", "--omop", str(path), "--engine", "postgres", "--postgres", url]
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _LIMITED.format(limit=resource.RLIM_INFINITY),
            *args,
            "--protocol",
            "rux-hlh-salvage",
            "--out",
            str(tmp_path / "pg.csv"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=SECONDS * 2,
        check=False,
    )
    refused(result, "person: cannot be copied to PostgreSQL", "person_source_value")


def test_files_that_are_not_what_their_names_say_give_one_line(tmp_path: Path) -> None:
    """Garbage as Parquet, a header naming a column twice, a FIFO, a device: never a hang."""
    cases: dict[str, tuple[str, str]] = {}
    for name, make in {
        "garbage": lambda f: (f / "measurement.parquet").write_bytes(b"not parquet"),
        "twice": lambda f: (f / "measurement.csv").write_text(
            "measurement_id,person_id,Measurement_ID\n1,1,1\n"
        ),
        "fifo": lambda f: os.mkfifo(f / "measurement.csv"),
        "device": lambda f: (f / "measurement.csv").symlink_to("/dev/zero"),
    }.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "person.csv").write_text(PERSON)
        (folder / "observation_period.csv").write_text(PERIOD)
        make(folder)
        cases[name] = (str(folder), "")
    expected = {
        "garbage": "measurement: measurement.parquet cannot be read as Parquet",
        "twice": "measurement: measurement.csv has two columns named 'Measurement_ID'",
        "fifo": "measurement: measurement.csv in",
        "device": "is not a regular file",
    }
    for name, (folder, _) in cases.items():
        # A FIFO or a device read as a file would never end: a subprocess, under a timeout.
        prescreen = _prescreen_process if name in ("fifo", "device") else _prescreen
        started = time.monotonic()
        refused(prescreen(Path(folder), tmp_path / f"{name}.csv"), expected[name])
        assert time.monotonic() - started < SECONDS


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("a/person.csv", "b/PERSON.csv"),
        ("a/person.csv", "b/person.parquet"),
        ("a/person.csv", "b/person.csv"),
    ],
    ids=["other case", "other format", "same name"],
)
def test_a_zip_holding_one_table_twice_names_the_zip_and_both_members(
    tmp_path: Path, first: str, second: str
) -> None:
    """Before: the line named the extracted temporary folder, deleted when it was read."""
    archive = _zip(
        tmp_path / "twoperson.zip",
        {first: PERSON, second: PERSON, "a/observation_period.csv": PERIOD},
    )
    err = refused(
        _prescreen(archive, tmp_path / "out.csv"),
        f"person: two files for one table in twoperson.zip: {first} and {second}",
    )
    assert "trialkit-omop-" not in err
