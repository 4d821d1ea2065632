"""Hospital visits (VISIT_OCCURRENCE) and deaths (DEATH).

The last stay is an inpatient visit; earlier visits (a Poisson number, mean
:data:`PAST_VISITS`) are outpatient, inpatient or emergency-room visits over
the five years before it. The visit concepts are the OMOP Visit vocabulary's,
as read in Synthea27Nj_5.4 CONCEPT.csv (9201 Inpatient Visit ``IP``, 9202
Outpatient Visit ``OP``, 9203 Emergency Room Visit ``ER``); the FHIR bridge
writes no visits, as a FHIR record has no encounters.
"""

from __future__ import annotations

import numpy as np

from trialkit.omop.rows import ConceptRow
from trialkit.synth.arrays import DAY, HOUR, MINUTE, Rows, concat, lognormal
from trialkit.synth.people import People

__all__ = ["PAST_VISITS", "VISIT_CONCEPTS", "deaths", "visits"]

INPATIENT, OUTPATIENT, EMERGENCY = 9201, 9202, 9203
#: The Visit concepts written, as Synthea27Nj_5.4 CONCEPT.csv lists them.
VISIT_CONCEPTS = (
    ConceptRow(INPATIENT, "Inpatient Visit", "Visit", "Visit", "Visit", "S", "IP"),
    ConceptRow(OUTPATIENT, "Outpatient Visit", "Visit", "Visit", "Visit", "S", "OP"),
    ConceptRow(EMERGENCY, "Emergency Room Visit", "Visit", "Visit", "Visit", "S", "ER"),
)
#: Mean number of earlier visits, their kinds (shares) and how far back (days).
PAST_VISITS = 1.2
PAST_KINDS = ((OUTPATIENT, 0.7), (INPATIENT, 0.25), (EMERGENCY, 0.05))
PAST_DAYS = (7.0, 1825.0)


def visits(rng: np.random.Generator, people: People) -> Rows:
    """The last stay of every person and the earlier visits that fit after birth."""
    everyone = np.arange(people.size, dtype=np.int64)
    last = Rows(
        everyone,
        people.admit,
        {"concept": np.full(people.size, INPATIENT, dtype=np.int64), "end": people.end.copy()},
    )
    count = np.minimum(rng.poisson(PAST_VISITS, people.size), 6)
    person = np.repeat(everyone, count)
    size = len(person)
    kinds = np.array([k[0] for k in PAST_KINDS], dtype=np.int64)
    shares = np.array([k[1] for k in PAST_KINDS])
    kind = kinds[rng.choice(len(kinds), size=size, p=shares)]
    low, high = PAST_DAYS
    start = people.admit[person] - ((low + rng.random(size) * (high - low)) * DAY).astype(np.int64)
    start = start // MINUTE * MINUTE
    stay = np.where(
        kind == INPATIENT,
        (lognormal(rng, 4.0, 0.7, size) * DAY).astype(np.int64),
        (rng.random(size) * 4 * HOUR).astype(np.int64),
    )
    end = np.minimum(start + stay, people.admit[person] - HOUR) // MINUTE * MINUTE
    fits = start > people.birth[person] + DAY
    past = Rows(
        person[fits], start[fits], {"concept": kind[fits], "end": np.maximum(end, start)[fits]}
    )
    return concat([past, last])


def deaths(people: People) -> Rows:
    """DEATH rows of the persons who died at the end of their last stay."""
    index = np.flatnonzero(people.dead).astype(np.int64)
    return Rows(index, people.death[index], {})
