"""The generator: persons in chunks, each chunk column-wise, staged in DuckDB, written as Parquet.

Chunk ``k`` draws from its own random stream, ``SeedSequence(seed, spawn_key=(k,))``,
so the output depends only on the seed, the number of persons and the extract
time (and chunk size, a constant): the same arguments give byte-identical files.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from trialkit.errors import TrialkitInputError
from trialkit.omop.concepts import unlisted_gene_row, vocabulary_ancestors, vocabulary_concepts
from trialkit.omop.rows import ConceptRow
from trialkit.omop.schema import TABLES
from trialkit.synth.arrays import UNLISTED_GENES, concat
from trialkit.synth.clinical import conditions, drugs, groups, procedures
from trialkit.synth.labs import draws, laboratory
from trialkit.synth.observations import attestations, findings, genomics
from trialkit.synth.people import draw_people
from trialkit.synth.sink import Sink
from trialkit.synth.stays import VISIT_CONCEPTS, deaths, visits
from trialkit.synth.tables import Chunk, chunk_tables
from trialkit.synth.vitals import assessments, icu_inputs, vitals

__all__ = [
    "CHUNK_PERSONS",
    "EXTRACTED",
    "MAX_PERSONS",
    "Progress",
    "SynthResult",
    "chunk",
    "generate_omop",
]

#: The default extract time: every synthetic datum is at or before it. Screen with
#: ``--at 2025-06-30`` (the end of that day) to see every current stay.
EXTRACTED = datetime(2025, 6, 30, 20, 0)
#: Persons per chunk (bounds memory; part of what makes the output reproducible).
CHUNK_PERSONS = 25_000
#: Row ids are person_id * 10**6 + n in a 64-bit integer.
MAX_PERSONS = 1_000_000_000

#: ``progress(step, done, total)``: step ``persons`` while generating, ``tables`` while writing.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class SynthResult:
    """What was written: the folder, the files, rows per table, and how long it took."""

    folder: Path
    persons: int
    seed: int
    extracted: datetime
    rows: dict[str, int]
    files: tuple[Path, ...]
    seconds: float


def chunk(rng: np.random.Generator, first_id: int, size: int, extracted: int) -> Chunk:
    """Every CDM table of ``size`` persons numbered from ``first_id`` (extract time in seconds)."""
    people = draw_people(rng, first_id, size, extracted)
    taken = draws(rng, people)
    measurement = concat(
        [
            laboratory(rng, people, taken),
            vitals(rng, people, taken),
            icu_inputs(rng, people, taken),
            assessments(rng, people, taken),
        ]
    )
    found = groups(rng, people)
    condition, refuted = conditions(rng, people, found)
    observation = concat(
        [
            refuted,
            findings(rng, people, found),
            attestations(rng, people, found),
            genomics(rng, people, found),
        ]
    )
    return chunk_tables(
        people,
        measurement=measurement,
        observation=observation,
        condition=condition,
        drug=drugs(rng, people, found),
        procedure=procedures(rng, people, found),
        visit=visits(rng, people),
        death=deaths(people),
    )


def _concepts() -> Iterator[ConceptRow]:
    seen: set[int] = set()
    rows = [
        *vocabulary_concepts(),
        *(unlisted_gene_row(g) for g in UNLISTED_GENES),
        *VISIT_CONCEPTS,
    ]
    for row in rows:
        if row.concept_id not in seen:
            seen.add(row.concept_id)
            yield row


def generate_omop(
    out: str | Path,
    persons: int,
    seed: int,
    *,
    extracted: datetime = EXTRACTED,
    progress: Progress | None = None,
) -> SynthResult:
    """Write a synthetic OMOP CDM 5.4 population of ``persons`` to ``out`` (one Parquet per table).

    Deterministic: the same ``persons``, ``seed`` and ``extracted`` give
    byte-identical files. Existing table files in ``out`` are replaced, all
    at the end, a table's files in another format or case (``person.csv``)
    removed: on an error or an interrupt the folder keeps its files.
    """
    if not 1 <= persons <= MAX_PERSONS:
        raise TrialkitInputError(f"--persons {persons}: give a number from 1 to {MAX_PERSONS:,}")
    if seed < 0:
        raise TrialkitInputError(f"--seed {seed}: give a non-negative integer")
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise TrialkitInputError(f"--out {folder}: exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise TrialkitInputError(
            f"--out {folder}: cannot create the folder: {error.strerror}"
        ) from None
    report = progress or (lambda step, done, total: None)
    started = time.perf_counter()
    stamp = int(np.datetime64(extracted.replace(tzinfo=None), "s").astype(np.int64))
    starts = range(0, persons, CHUNK_PERSONS)

    def make(index: int) -> Chunk:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
        size = min(CHUNK_PERSONS, persons - starts[index])
        return chunk(rng, starts[index] + 1, size, stamp)

    files: list[Path] = []
    with Sink(folder) as sink, ThreadPoolExecutor(max_workers=1) as worker:
        # The next chunk is drawn (NumPy) while DuckDB stages this one.
        pending = worker.submit(make, 0)
        for index, first in enumerate(starts):
            tables = pending.result()
            if index + 1 < len(starts):
                pending = worker.submit(make, index + 1)
            for name, columns in tables.items():
                sink.insert(name, columns)
            del tables
            report("persons", min(first + CHUNK_PERSONS, persons), persons)
        sink.insert_rows("concept", _concepts())
        sink.insert_rows("concept_ancestor", vocabulary_ancestors())
        rows = sink.counts()
        report("tables", 0, len(TABLES))
        for done, spec in enumerate(TABLES, 1):
            files.append(sink.write(spec))
            report("tables", done, len(TABLES))
        sink.commit()
    return SynthResult(
        folder=folder,
        persons=persons,
        seed=seed,
        extracted=extracted,
        rows=rows,
        files=tuple(files),
        seconds=time.perf_counter() - started,
    )
