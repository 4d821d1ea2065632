"""Crash safety: a writer process killed with SIGKILL in the middle of a stream of saves
loses no save it had seen committed and leaves no partial form, on SQLite and PostgreSQL;
the audit chain still verifies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from edc.conftest import Clock, build
from edc.test_journey import NURSE, audit_rows, chain
from trialkit.edc import enrolment
from trialkit.edc.audit import verify
from trialkit.edc.schema import FormInstance, ItemValue

WRITER = """
import sys
from datetime import date, timedelta
from trialkit.edc import entry
from trialkit.edc.database import StudyDatabase

url, label = sys.argv[1], sys.argv[2]
db = StudyDatabase(url)
first = date(2025, 1, 1)
for number in range(100000):
    day = (first + timedelta(days=number)).isoformat()
    entry.save_form(
        db, "research_nurse_par", "r-hlh", label, "renal_function",
        {"lab.creatinine": (str(30 + number % 50), "umol/L"), "vital.height": ("70", "cm"),
         "vital.weight": ("8", "kg")},
        visit_date=day,
    )
    print(day, flush=True)  # acknowledged: save_form returned after its commit
"""

ITEMS = 3


def test_a_killed_writer_loses_no_committed_save_and_leaves_no_partial_form(
    database_url: str, clock: Clock, fast_passwords: None, tmp_path: Path
) -> None:
    db = build(database_url, clock)
    try:
        label = enrolment.register_subject(db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
        with subprocess.Popen(
            [sys.executable, "-c", WRITER, db.url, label],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        ) as writer:
            assert writer.stdout is not None
            acknowledged = [writer.stdout.readline().strip() for _ in range(25)]
            time.sleep(0.003)  # inside a later save, most likely
            writer.send_signal(signal.SIGKILL)
            rest = writer.stdout.read().split()
        assert writer.returncode == -signal.SIGKILL
        acknowledged += rest
        with db.reading() as session:
            days = {
                d.isoformat()
                for d in session.scalars(
                    select(FormInstance.observed_on).where(FormInstance.form == "renal_function")
                )
            }
            counts = session.execute(
                select(ItemValue.form_instance_id, func.count()).group_by(
                    ItemValue.form_instance_id
                )
            ).all()
            instances = session.scalar(select(func.count()).select_from(FormInstance))
        assert set(acknowledged) <= days  # no acknowledged save lost
        assert len(days) <= len(acknowledged) + 1  # at most the one in flight committed unseen
        assert {n for _, n in counts} == {ITEMS}  # no partial form
        assert len(counts) == instances
        assert verify(audit_rows(db), chain(db)).intact
    finally:
        db.dispose()
