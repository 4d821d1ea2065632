"""The REDCap data dictionary: REDCap's 18 columns, its field types, valid unique names, every form.

The column headings and field types are REDCap's, as its data dictionary
template and the data dictionary models built on it list them (e.g. the
redcapdd R package's ``get_dd_cols()``, linkml-redcap's ``FieldType``); the name
rule is REDCap's requirement B.6.7.2200 (lowercase letters, digits and
underscores, starting with a letter, unique in the project).
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from trialkit.edc._items import Answer, item_value
from trialkit.edc.redcap import (
    MAX_NAME_LENGTH,
    choice_codes,
    field_names,
    redcap_dictionary,
)
from trialkit.protocol import builtin_ids, builtin_protocol
from trialkit.protocol.forms import Form, FormItem
from trialkit.vocab import vocabulary

REDCAP_COLUMNS = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]
REDCAP_FIELD_TYPES = {
    "text",
    "notes",
    "dropdown",
    "radio",
    "checkbox",
    "yesno",
    "truefalse",
    "calc",
    "file",
    "slider",
    "descriptive",
    "sql",
}
REDCAP_DATE_AND_NUMBER_VALIDATIONS = {
    "date_ymd",
    "date_mdy",
    "date_dmy",
    "datetime_ymd",
    "datetime_seconds_ymd",
    "number",
    "integer",
}
NAME = re.compile(r"[a-z][a-z0-9_]*")


def rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == REDCAP_COLUMNS
    return list(reader)


@pytest.mark.parametrize("protocol_id", builtin_ids())
def test_the_dictionary_of_every_shipped_protocol_is_one_redcap_can_upload(
    protocol_id: str,
) -> None:
    protocol = builtin_protocol(protocol_id)
    fields = rows(redcap_dictionary(protocol))
    assert fields[0]["Variable / Field Name"] == "record_id"
    names = [f["Variable / Field Name"] for f in fields]
    assert len(set(names)) == len(names)
    for name in names:
        assert NAME.fullmatch(name) and len(name) <= MAX_NAME_LENGTH, name
    instruments = [f["Form Name"] for f in fields]
    for instrument in set(instruments):
        assert NAME.fullmatch(instrument), instrument
        assert f"{instrument}_complete" not in names
    # one instrument per form, in the protocol's order, each form's items together
    assert list(dict.fromkeys(instruments)) == [f.id for f in protocol.forms]
    assert [len(f.items) for f in protocol.forms] == [
        instruments[1:].count(f.id) for f in protocol.forms
    ]
    for field in fields:
        assert field["Field Type"] in REDCAP_FIELD_TYPES
        assert field["Field Label"]
        validation = field["Text Validation Type OR Show Slider Number"]
        if validation:
            assert field["Field Type"] == "text"
            assert validation in REDCAP_DATE_AND_NUMBER_VALIDATIONS
        if field["Text Validation Min"]:
            assert float(field["Text Validation Min"]) <= float(field["Text Validation Max"])
        if field["Field Type"] in ("radio", "dropdown"):
            codes = [c.split(",", 1)[0].strip() for c in field[REDCAP_COLUMNS[5]].split(" | ")]
            assert len(set(codes)) == len(codes)
            assert all(re.fullmatch(r"[A-Za-z0-9_]+", c) for c in codes), codes
        assert field["Required Field?"] in ("", "y")


def test_each_kind_of_item_gets_its_field_type() -> None:
    protocol = builtin_protocol("hem-ismart-c")
    names = field_names(protocol)
    fields = {f["Variable / Field Name"]: f for f in rows(redcap_dictionary(protocol))}

    def field(form: str, item: str) -> dict[str, str]:
        return fields[names[(form, item)]]

    assert field("eligibility", "attestation.informed_consent")["Field Type"] == "yesno"
    remission = field("leukaemia_response", "remission")
    assert remission["Field Type"] == "radio"
    form = next(f for f in protocol.forms if f.id == "leukaemia_response")
    choices = form.items[0].choices or []
    assert remission[REDCAP_COLUMNS[5]] == " | ".join(f"{c.code}, {c.display}" for c in choices)
    assert remission[REDCAP_COLUMNS[5]].startswith("CR, Complete remission | CRp, ")
    assert remission["Required Field?"] == "y"
    grade = field("adverse_event", "grade")
    assert (grade["Field Type"], grade[REDCAP_COLUMNS[7]]) == ("text", "integer")
    assert (grade["Text Validation Min"], grade["Text Validation Max"]) == ("1", "5")
    assert field("study_drug", "start")[REDCAP_COLUMNS[7]] == "date_ymd"
    assert field("molecular", "protein_change")["Field Type"] == "notes"
    drug = field("study_drug", "drug")
    assert drug["Field Type"] == "dropdown"
    drugs = [c for c in vocabulary().values() if c.kind.value == "drug"]
    assert drug[REDCAP_COLUMNS[5]].count(" | ") == len(drugs) - 1
    assert (
        f"drug_ruxolitinib, {vocabulary()['drug.ruxolitinib'].display}" in drug[REDCAP_COLUMNS[5]]
    )


def test_a_quantity_shows_its_unit_and_its_plausible_range_in_that_unit() -> None:
    protocol = builtin_protocol("jak-hs-icu")
    names = field_names(protocol)
    fields = {f["Variable / Field Name"]: f for f in rows(redcap_dictionary(protocol))}
    haemoglobin = fields[names[("haematology", "lab.haemoglobin")]]
    plausible = vocabulary()["lab.haemoglobin"].plausible
    assert plausible is not None and vocabulary()["lab.haemoglobin"].unit == "g/L"
    # the form shows g/dL: 1 g/dL = 10 g/L
    assert haemoglobin["Field Note"] == "g/dL"
    assert float(haemoglobin["Text Validation Min"]) == plausible.low / 10
    assert float(haemoglobin["Text Validation Max"]) == plausible.high / 10
    assert haemoglobin["Field Annotation"].startswith(
        "trialkit: form haematology, item lab.haemoglobin"
    )
    assert "loinc 718-7" in haemoglobin["Field Annotation"]
    il6 = fields[names[("cytokines", "il6")]]
    assert (il6["Field Label"], il6["Field Note"]) == ("Interleukin-6", "pg/mL")


def test_names_that_would_clash_or_run_long_get_a_hash_suffix() -> None:
    protocol = builtin_protocol("r-hlh")
    long_id = "x" * 120
    forms = [
        Form(id="a_b", name="A B", items=[FormItem(id="c", type="text")]),
        Form(
            id="a",
            name="A",
            items=[FormItem(id="b_c", type="text"), FormItem(id="complete", type="text")],
        ),
        Form(id="Record", name="R", items=[FormItem(id="id", type="text")]),
        Form(id=long_id, name="Long", items=[FormItem(id="v", type="text")]),
    ]
    names = field_names(protocol.model_copy(update={"forms": forms}))
    assert names[("a_b", "c")] == "a_b_c"
    assert re.fullmatch(r"a_b_c_[0-9a-f]{8}", names[("a", "b_c")])
    assert re.fullmatch(r"a_complete_[0-9a-f]{8}", names[("a", "complete")])
    assert re.fullmatch(r"record_id_[0-9a-f]{8}", names[("Record", "id")])
    assert len(names[(long_id, "v")]) == MAX_NAME_LENGTH
    assert len(set(names.values())) == len(names)
    fields = rows(redcap_dictionary(protocol.model_copy(update={"forms": forms})))
    assert len({f["Form Name"] for f in fields}) == len(forms)
    assert all(len(f["Form Name"]) <= MAX_NAME_LENGTH for f in fields)


def test_choice_codes_redcap_cannot_hold_are_renamed_without_clashing() -> None:
    answers = (Answer("drug.x_y", "one"), Answer("drug_x.y", "two"), Answer("CR", "three"))
    codes = choice_codes(answers)
    assert codes["drug.x_y"] == "drug_x_y"
    assert re.fullmatch(r"drug_x_y_[0-9a-f]{8}", codes["drug_x.y"])
    assert codes["CR"] == "CR"


def test_a_label_with_a_pipe_does_not_split_the_choices() -> None:
    protocol = builtin_protocol("r-hlh")
    form = Form(
        id="f",
        name="F",
        items=[
            FormItem(
                id="c",
                type="choice",
                choices=[{"code": "a", "display": "yes | no"}, {"code": "b", "display": "b, or c"}],
            )
        ],
    )
    assert item_value(form, form.items[0]).answers[0].display == "yes | no"
    fields = rows(redcap_dictionary(protocol.model_copy(update={"forms": [form]})))
    assert fields[1][REDCAP_COLUMNS[5]] == "a, yes / no | b, b, or c"
