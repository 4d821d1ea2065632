"""The two-stage gate of R-HLH (Simon optimal r1/n1 = 4/6, r/n = 16/20), on SQLite and
PostgreSQL: subject n1+1 is refused until the interim decision; the decision is
computed from the captured primary outcomes (alive at HSCT); after futility every
enrolment is refused; two connections enrolling the n1-th subject enrol exactly one."""

from __future__ import annotations

import threading

import pytest

from edc.conftest import INVESTIGATOR_PAR, Clock
from edc.test_journey import INVESTIGATOR, NURSE, enrolled_subject, enter_example
from trialkit.edc import enrolment, entry
from trialkit.edc.database import StudyDatabase
from trialkit.errors import EdcError
from trialkit.examples import INDEX_DATE

STATISTICIAN = "statistician_par"


def eligible_consented(db: StudyDatabase) -> str:
    label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
    enter_example(db, label, "r-hlh-eligible")
    enrolment.screen_subject(db, INVESTIGATOR, "r-hlh", label, at=INDEX_DATE + "T12:00:00+00:00")
    enrolment.record_consent(db, NURSE, "r-hlh", label, "v1", "2026-03-09")
    return label


def transplanted(db: StudyDatabase, label: str) -> None:
    entry.save_form(
        db,
        NURSE,
        "r-hlh",
        label,
        "procedure",
        {"procedure": "procedure.hsct_allogeneic", "start": "2026-03-10"},
    )


def died(db: StudyDatabase, label: str) -> None:
    entry.save_form(db, NURSE, "r-hlh", label, "death", {"date": "2026-03-10"})


def stage_one(db: StudyDatabase) -> list[str]:
    """The n1 = 6 stage-1 subjects, enrolled with their first dose on the same day."""
    labels = [enrolled_subject(db) for _ in range(6)]
    for label in labels:
        enrolment.set_anchor(db, INVESTIGATOR, "r-hlh", label, "day1", "2026-03-10")
    return labels


def test_gate_waits_for_the_interim_decision_then_continues(
    db: StudyDatabase, clock: Clock
) -> None:
    labels = stage_one(db)
    waiting = eligible_consented(db)
    with pytest.raises(EdcError, match="waits for the interim decision"):
        enrolment.enrol(db, INVESTIGATOR, "r-hlh", waiting, "2026-03-10")
    # outcomes unknown: no decision yet
    with pytest.raises(EdcError, match="not known yet"):
        enrolment.decide_interim(db, STATISTICIAN, "r-hlh")
    clock.advance(days=1)
    for label in labels[:5]:
        transplanted(db, label)
    died(db, labels[5])
    decision = enrolment.decide_interim(db, STATISTICIAN, "r-hlh")
    assert (decision.outcome, decision.responses) == ("continue", 5)
    assert enrolment.enrol(db, INVESTIGATOR, "r-hlh", waiting, "2026-03-11") == 7
    assert enrolment.gate_status(db, "r-hlh").stage == 2


def test_after_futility_every_enrolment_is_refused(db: StudyDatabase, clock: Clock) -> None:
    labels = stage_one(db)
    clock.advance(days=1)
    for label in labels[:4]:
        transplanted(db, label)
    for label in labels[4:]:
        died(db, label)
    decision = enrolment.decide_interim(db, STATISTICIAN, "r-hlh")
    assert (decision.outcome, decision.responses) == ("stop_for_futility", 4)
    waiting = eligible_consented(db)
    with pytest.raises(EdcError, match="stopped for futility"):
        enrolment.enrol(db, INVESTIGATOR, "r-hlh", waiting, "2026-03-11")
    with pytest.raises(EdcError, match="already recorded"):
        enrolment.decide_interim(db, STATISTICIAN, "r-hlh")


def test_two_connections_enrolling_the_n1th_subject_enrol_exactly_one(
    db: StudyDatabase, clock: Clock
) -> None:
    for _ in range(5):
        enrolled_subject(db)
    first, second = eligible_consented(db), eligible_consented(db)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def enrol(label: str) -> None:
        own = StudyDatabase(db.url, clock=clock)
        barrier.wait()
        try:
            results[label] = enrolment.enrol(own, INVESTIGATOR_PAR, "r-hlh", label, "2026-03-10")
        except EdcError as error:
            results[label] = str(error)
        finally:
            own.dispose()

    threads = [threading.Thread(target=enrol, args=(label,)) for label in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = [r for r in results.values() if isinstance(r, int)]
    refused = [r for r in results.values() if isinstance(r, str)]
    assert numbers == [6], results
    assert len(refused) == 1 and "waits for the interim decision" in refused[0]
    assert enrolment.gate_status(db, "r-hlh").enrolled == 6
