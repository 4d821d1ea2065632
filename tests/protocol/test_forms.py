"""Case report forms in a protocol file (format ``trialkit.protocol/4``) and what ``check`` asks of them."""

from __future__ import annotations

import re

import pytest

from trialkit.design.protocol_check import check_design
from trialkit.errors import ProtocolError
from trialkit.protocol import FORMAT, builtin_protocols, parse_protocol
from trialkit.protocol.check import check_protocol, unit_problems
from trialkit.protocol.files import builtin_protocol
from trialkit.protocol.forms import Form, FormItem
from trialkit.protocol.reads import protocol_reads
from trialkit.vocab import Kind, concept

BASE = """\
format: trialkit.protocol/4
id: forms-example
title: Forms example
registry: [{registry: sponsor, id: X-1}]
sponsor: Example
phase: "2"
study_type: interventional
population: adults
index_date: day of inclusion
seed: tests/protocol/test_forms.py
sources: [{id: seed, citation: this test}]
arms: [{id: a, name: A, type: experimental}]
forms:
  - id: inclusion
    name: Inclusion
    items:
      - {concept: lab.ferritin, unit: ng/mL, required: true}
      - {concept: attestation.informed_consent}
      - {id: il6, type: number, unit: pg/mL, help: Interleukin-6}
      - {id: arm, type: choice, choices: [{code: a, display: A}]}
  - id: adverse_event
    name: Adverse event
    repeating: true
    records: adverse_event
    items:
      - {id: term, type: concept, kinds: [adverse_event], required: true}
      - {id: grade, type: integer, range: [1, 5], required: true}
      - {id: onset, type: date, required: true}
  - id: death
    name: Death
    records: death
    items:
      - {id: date, type: date, required: true}
criteria:
  - id: I1
    kind: inclusion
    text: ferritin above 500
    rule: {measure: lab.ferritin, op: ">", value: 500, unit: ug/L, within: 7 d, source: seed}
  - id: I2
    kind: inclusion
    text: consent
    rule: {attestation: attestation.informed_consent}
schedule:
  reference: day 0 is inclusion
  anchor: day1
  cycle_days: 28
  visits:
    - {id: D0, name: Inclusion, day: 0, anchor: inclusion, forms: [inclusion]}
    - {id: cycle, name: Every cycle, day: 28, every_cycle: true, forms: [adverse_event]}
    - {id: H100, name: Day 100 after HSCT, day: 100, anchor: hsct, forms: [inclusion]}
endpoints:
  - id: safety
    kind: primary
    name: Adverse events
    time_point: day 28
    definition: adverse events until day 28
    compute: {count: adverse_events, until_day: 28}
  - id: alive
    kind: secondary
    name: Alive at day 28
    time_point: day 28
    definition: alive
    compute: {alive: true, day: 28}
design: {type: single_stage, n: 20, source: seed}
"""


def _parse(text: str) -> object:
    return parse_protocol(text, "forms.yaml")


def _refused(text: str, message: str) -> None:
    with pytest.raises(ProtocolError, match=re.escape(message)):
        parse_protocol(text, "forms.yaml")


def test_a_format_4_file_with_forms_and_anchored_visits_loads_and_passes() -> None:
    protocol = parse_protocol(BASE, "forms.yaml")
    assert FORMAT == "trialkit.protocol/4"
    assert [f.id for f in protocol.forms] == ["inclusion", "adverse_event", "death"]
    schedule = protocol.schedule
    assert schedule is not None
    anchors = [schedule.anchor_of(v) for v in schedule.visits]
    assert anchors == ["inclusion", "day1", "hsct"]
    assert [v.every_cycle for v in schedule.visits] == [False, True, False]
    assert protocol.forms[0].items[0].shown_unit == "ng/mL"
    assert protocol.forms[0].items[1].shown_unit is None
    assert FormItem(concept="lab.ferritin").shown_unit == "ug/L"  # the canonical unit
    assert check_protocol(protocol) == []


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "{concept: lab.ferritin, unit: ng/mL, required: true}",
            "{concept: lab.feritin}",
            "forms[0].items[0]: unknown concept 'lab.feritin'",
        ),
        (
            "{concept: lab.ferritin, unit: ng/mL, required: true}",
            "{concept: lab.ferritin, unit: mmol/L}",
            "unit",
        ),
        (
            "{id: il6, type: number, unit: pg/mL, help: Interleukin-6}",
            "{id: il6, type: number}",
            "a number needs its UCUM unit",
        ),
        (
            "{concept: attestation.informed_consent}",
            "{concept: lab.ferritin}",
            "item 'lab.ferritin' appears twice",
        ),
        (
            "{concept: attestation.informed_consent}",
            "{concept: attestation.informed_consent, unit: '1'}",
            "only a quantity takes a unit",
        ),
        (
            "{id: il6, type: number, unit: pg/mL, help: Interleukin-6}",
            "{id: il6, type: text, unit: pg/mL}",
            "only a number takes a unit",
        ),
        (
            "{id: grade, type: integer, range: [1, 5], required: true}",
            "{id: grade, type: integer, range: [5, 1]}",
            "range [5.0, 1.0] is empty",
        ),
        (
            "{id: term, type: concept, kinds: [adverse_event], required: true}",
            "{id: term, type: text}",
            "records adverse_event needs a type: concept item of kinds adverse_event",
        ),
        (
            "      - {id: date, type: date, required: true}\n",
            "      - {id: cause, type: text}\n",
            "a death form needs the date of death",
        ),
        (
            "forms: [adverse_event]}",
            "forms: [adverse_events]}",
            "visit cycle: form 'adverse_events' is not in forms",
        ),
        ("  - id: death\n", "  - id: inclusion\n", "duplicate form id 'inclusion'"),
        (
            "day: 28, every_cycle: true",
            "day: 29, every_cycle: true",
            "day 29 is not a day of a 28-day cycle",
        ),
        ("  cycle_days: 28\n", "", "every_cycle needs the schedule's cycle_days"),
        ("day: 0, anchor: inclusion", "day: 0", "visit D0: anchor day1 has no day 0"),
        ("anchor: hsct", "anchor: transplant", "anchor"),
    ],
)
def test_a_bad_form_or_visit_is_refused_naming_it(old: str, new: str, message: str) -> None:
    assert old in BASE
    _refused(BASE.replace(old, new, 1), message)


def _older(version: str, text: str) -> str:
    return text.replace("format: trialkit.protocol/4", f"format: trialkit.protocol/{version}")


def _without_forms(text: str) -> str:
    start, end = text.index("forms:\n"), text.index("criteria:\n")
    text = text[:start] + text[end:]
    text = re.sub(r", anchor: \w+|, every_cycle: true|, forms: \[\w+\]", "", text)
    return text.replace("  anchor: day1\n", "")


def test_a_format_3_or_2_file_still_loads_without_forms() -> None:
    three = parse_protocol(_older("3", _without_forms(BASE)), "old.yaml")
    assert three.forms == []
    assert three.schedule is not None and three.schedule.anchor == "inclusion"
    two = _older("2", _without_forms(BASE))
    for compute in (
        "    compute: {count: adverse_events, until_day: 28}\n",
        "    compute: {alive: true, day: 28}\n",
    ):
        two = two.replace(compute, "")
    assert parse_protocol(two, "old.yaml").forms == []


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (_older("3", BASE), "forms"),
        (
            _older(
                "3", _without_forms(BASE).replace("  visits:\n", "  anchor: inclusion\n  visits:\n")
            ),
            "schedule.anchor",
        ),
        (
            _older(
                "3",
                _without_forms(BASE).replace(
                    "name: Inclusion, day: 0", "name: Inclusion, day: 0, forms: []"
                ),
            ),
            "visit D0: forms",
        ),
        (
            _older(
                "3",
                _without_forms(BASE).replace(
                    "name: Inclusion, day: 0", "name: Inclusion, day: 0, anchor: inclusion"
                ),
            ),
            "visit D0: anchor",
        ),
        (
            _older(
                "3", _without_forms(BASE).replace("day: 28}", "day: 28, every_cycle: false}", 1)
            ),
            "visit cycle: every_cycle",
        ),
    ],
)
def test_a_format_4_field_in_a_format_3_file_is_refused_with_what_to_change(
    text: str, field: str
) -> None:
    _refused(text, f"{field}: forms, a schedule's anchor and a visit's forms")
    _refused(text, "(set format: trialkit.protocol/4; this file is trialkit.protocol/3)")


def _errors(text: str) -> list[str]:
    return [
        str(p) for p in check_protocol(parse_protocol(text, "forms.yaml")) if p.level == "error"
    ]


def test_a_concept_read_that_no_form_captures_is_an_error_naming_it_and_its_readers() -> None:
    text = BASE.replace("      - {concept: lab.ferritin, unit: ng/mL, required: true}\n", "")
    assert _errors(text) == [
        "error: forms: concept lab.ferritin is captured by no form; read by criterion I1"
    ]
    text = BASE.replace(
        "  - id: I2\n",
        "  - id: I3\n    kind: inclusion\n    text: HScore\n    rule: {score: hscore, op: '>=', value: 169, source: seed}\n  - id: I2\n",
    )
    missing = _errors(text)
    assert (
        "error: forms: concept lab.ast is captured by no form; read by criterion I3 (score hscore)"
        in missing
    )
    assert not any("lab.ferritin" in m for m in missing)  # captured by the inclusion form


def test_adverse_events_and_death_must_be_captured() -> None:
    no_ae = BASE.replace(
        "kinds: [adverse_event], required: true}", "kinds: [condition], required: true}"
    )
    no_ae = no_ae.replace("    records: adverse_event\n", "")
    assert _errors(no_ae) == [
        "error: forms: adverse_event (any concept of the kind) is captured by no form; read by endpoint safety"
    ]
    no_death = BASE.replace("    records: death\n", "")
    assert _errors(no_death) == [
        "error: forms: the death (date of death) is captured by no form; read by endpoint alive"
    ]


def test_a_protocol_without_forms_gets_a_warning() -> None:
    protocol = parse_protocol(_older("3", _without_forms(BASE)), "old.yaml")
    assert [(p.level, p.where) for p in check_protocol(protocol)] == [("warning", "forms")]


def test_a_quantity_concept_item_without_the_unit_the_form_shows_is_an_error() -> None:
    text = BASE.replace(
        "{concept: lab.ferritin, unit: ng/mL, required: true}", "{concept: lab.ferritin}"
    )
    assert _errors(text) == [
        "error: form inclusion: item lab.ferritin: lab.ferritin is a quantity: give the unit the "
        "form shows (one of ug/L, ng/mL, mg/L)"
    ]
    assert (
        unit_problems(FormItem(concept="lab.ferritin", unit="ng/mL"), concept("lab.ferritin")) == []
    )
    consent = FormItem(concept="attestation.informed_consent")
    assert unit_problems(consent, concept("attestation.informed_consent")) == []


def test_a_score_read_by_an_endpoint_names_every_input() -> None:
    protocol = builtin_protocol("jak-hs-icu")
    reads = {(r.by, r.concept) for r in protocol_reads(protocol)}
    assert ("endpoint sofa-d28 (score sofa)", "vital.diastolic_bp") in reads
    assert ("criterion I2 (score hlh2004)", "lab.scd25_mass") in reads


@pytest.mark.parametrize("protocol", builtin_protocols(), ids=lambda p: p.id)
def test_every_shipped_protocol_has_forms_that_capture_what_it_reads(protocol: object) -> None:
    from trialkit.protocol.model import Protocol

    assert isinstance(protocol, Protocol)
    assert protocol.format == FORMAT
    errors = [p for p in check_protocol(protocol, extra=(check_design,)) if p.level == "error"]
    assert errors == []
    assert protocol.schedule is not None
    for visit in protocol.schedule.visits:
        assert visit.forms, f"{protocol.id}: visit {visit.id} carries no form"
    used = {f for v in protocol.schedule.visits for f in v.forms}
    repeating = {f.id for f in protocol.forms if f.repeating or f.records is not None}
    assert {f.id for f in protocol.forms} <= used | repeating


def test_form_models_refuse_an_item_that_is_neither_or_both() -> None:
    with pytest.raises(ValueError, match="give one"):
        FormItem()
    with pytest.raises(ValueError, match="give one"):
        FormItem(concept="lab.ferritin", id="x", type="text")
    with pytest.raises(ValueError, match="records medication belongs to a repeating form"):
        Form(
            id="m",
            name="M",
            records="medication",
            items=[FormItem(id="d", type="concept", kinds=[Kind.DRUG])],
        )


def test_protocol_show_lists_the_forms_and_each_visit_s_anchor_and_forms() -> None:
    from trialkit.protocol.render import protocol_text

    text = protocol_text(parse_protocol(BASE, "forms.yaml"))
    assert "| Inclusion | day 0 from inclusion | -0 / +0 d |  | inclusion |" in text
    assert "| Every cycle | day 28 of every cycle |" in text
    assert "| Day 100 after HSCT | day 100 after HSCT |" in text
    assert (
        "- `adverse_event` Adverse event (repeating, records adverse_event): term (any adverse_event), required;"
        in text
    )
    assert (
        "- `inclusion` Inclusion: lab.ferritin (ng/mL), required; attestation.informed_consent; il6 (pg/mL); arm (choice)"
        in text
    )


def test_visit_windows_are_compared_only_between_visits_of_one_anchor() -> None:
    near = BASE.replace(
        "    - {id: H100,",
        "    - {id: D1, name: First dose, day: 1, window_before: 1, forms: [inclusion]}\n"
        "    - {id: H100,",
    )
    assert check_protocol(parse_protocol(near, "forms.yaml")) == []  # day 0 from inclusion
    same = near.replace(
        "day: 0, anchor: inclusion, forms: [inclusion]", "day: -1, forms: [inclusion]"
    )
    assert [p.where for p in check_protocol(parse_protocol(same, "forms.yaml"))] == [
        "schedule visits D0 and D1"
    ]


@pytest.mark.parametrize("unit", ["furlongs", "mg/", "mm[Hgg]"])
def test_protocol_check_refuses_a_typed_number_without_a_valid_ucum_unit(unit: str) -> None:
    protocol = builtin_protocol("r-hlh")
    form = Form(id="dosing", name="Dosing", items=[FormItem(id="dose", type="number", unit=unit)])
    broken = protocol.model_copy(update={"forms": [*protocol.forms, form]})
    problems = [p for p in check_protocol(broken) if p.level == "error"]
    assert [(p.where, p.message) for p in problems] == [
        ("form dosing: item dose", f"unit {unit!r} is not valid UCUM")
    ]
