"""The two-stage gate against the reviewer's scenarios (``edc_cases.yaml``, simon_gate:
R-HLH r1/n1 = 4/6, r/n = 16/20), run step by step through the services on SQLite: enrol
the k-th subject, record a stage-1 outcome as the site would (an allogeneic HSCT on the
procedure form: a response; a death on the death form: a failure; nothing: unknown),
decide."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from edc.conftest import CHEAP, Clock, build
from trialkit.edc import enrolment, entry, study
from trialkit.edc.database import StudyDatabase
from trialkit.edc.schema import InterimDecision
from trialkit.errors import EdcError
from trialkit.examples import INDEX_DATE, example

CASES = yaml.safe_load((Path(__file__).parent / "edc_cases.yaml").read_text(encoding="utf-8"))
SCENARIOS = [s for s in CASES["simon_gate"]["scenarios"] if "steps" in s]
NURSE, INVESTIGATOR, STATISTICIAN = "research_nurse_par", "investigator_par", "statistician_par"
BUNDLE = json.dumps(example("r-hlh-eligible"))
OUTCOMES = {"stop_futility": "stop_for_futility", "continue": "continue"}


class Trial:
    def __init__(self, db: StudyDatabase) -> None:
        self.db = db
        self.labels: dict[int, str] = {}

    def ready(self, number: int) -> str:
        if number not in self.labels:
            label = enrolment.register_subject(self.db, NURSE, "r-hlh", "PAR", "2024-11-10", "male")
            at = f"{INDEX_DATE}T12:00:00+00:00"
            enrolment.screen_subject(self.db, INVESTIGATOR, "r-hlh", label, bundle=BUNDLE, at=at)
            enrolment.record_consent(self.db, NURSE, "r-hlh", label, "v1", "2026-03-09")
            self.labels[number] = label
        return self.labels[number]

    def enrol(self, number: int) -> bool:
        label = self.ready(number)
        try:
            enrolment.enrol(self.db, INVESTIGATOR, "r-hlh", label, "2026-03-10")
        except EdcError:
            return False
        enrolment.set_anchor(self.db, INVESTIGATOR, "r-hlh", label, "day1", "2026-03-10")
        return True

    def outcome(self, number: int, value: str, events: list[str]) -> None:
        label = self.labels[number]
        dated = [e.split() for e in events if len(e.split()) == 2 and e.split()[1][:2] == "20"]
        if not dated:
            dated = {
                "response": [["hsct_allogeneic", "2026-04-01"]],
                "failure": [["death", "2026-04-01"]],
            }.get(value, [])
        for kind, day in dated:
            if kind == "death":
                entry.save_form(self.db, NURSE, "r-hlh", label, "death", {"date": day})
            else:
                entry.save_form(
                    self.db,
                    NURSE,
                    "r-hlh",
                    label,
                    "procedure",
                    {"procedure": "procedure.hsct_allogeneic", "start": day},
                )


def numbers(given: int | str) -> list[int]:
    if isinstance(given, int):
        return [given]
    first, last = given.split("-")
    return list(range(int(first), int(last) + 1))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_gate_scenario(
    scenario: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(study, "_HASHER", CHEAP)
    clock = Clock()
    db = build(str(tmp_path / "study.db"), clock)
    clock.advance(days=120)  # every dated event of the scenarios is in the past
    trial = Trial(db)
    try:
        for step in scenario["steps"]:
            if "enrol" in step:
                for number in numbers(step["enrol"]):
                    assert trial.enrol(number) == (step["expect"] == "accepted"), (step, number)
            elif "outcome" in step:
                outcome = step["outcome"]
                for number in outcome.get("subjects", [outcome.get("subject")]):
                    trial.outcome(number, outcome["value"], outcome.get("events", []))
            elif "decide" in step:
                if step["expect"] == "refused":
                    with pytest.raises(EdcError):
                        enrolment.decide_interim(db, STATISTICIAN, "r-hlh")
                    continue
                decision = enrolment.decide_interim(db, STATISTICIAN, "r-hlh")
                assert decision.outcome.value == OUTCOMES[step["expect"]]
                assert decision.responses == step["x1"]
            elif step.get("query") == "x1":
                with db.reading() as session:
                    recorded = session.scalar(select(InterimDecision.responses))
                assert recorded == step["expect"]
            else:
                raise AssertionError(f"unknown step {step}")
    finally:
        db.dispose()
