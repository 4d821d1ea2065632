"""Golden screening cases for ``rux-hlh-salvage`` (seed 002, Wei 2020), written by hand.

The cohort: children (< 18 completed years) with recurrent or refractory HLH,
treated first with HLH-94 (etoposide and dexamethasone), started on oral
ruxolitinib at Beijing Children's Hospital. The index date is the day
ruxolitinib starts (2025-06-15, end of day, in every case). Expected statuses
follow the protocol text and the node semantics: a drug not recorded is "not
given" only when the treatment history is attested complete.
"""

from __future__ import annotations

from protocol.golden.case import Case
from trialkit.testing import BundleBuilder

PROTOCOL = "rux-hlh-salvage"
AT = "2025-06-15"
ALL_MET = dict.fromkeys(("I1", "I2", "I3", "I4", "I5"), "met")


def _child(name: str, birth: str | None, gender: str = "female") -> BundleBuilder:
    return BundleBuilder(f"{PROTOCOL}-{name}", birth, gender)


def _hlh94(b: BundleBuilder, start: str = "2025-05-10") -> None:
    """HLH-94 induction: etoposide (stopped at week 4) and dexamethasone (ongoing)."""
    b.medication("drug.etoposide", start, "2025-06-07")
    b.medication("drug.dexamethasone", start)


def _ruxolitinib(b: BundleBuilder, start: str = AT) -> None:
    b.medication("drug.ruxolitinib", start, dose=(2.5, "mg"))


def _salvage(b: BundleBuilder, *, relapse: str = "2025-06-07") -> None:
    """Refractory/relapsed state, HLH-94 before, ruxolitinib from the index day, at the site."""
    b.flag("attestation.hlh_refractory_relapsed", True, relapse)
    _hlh94(b)
    _ruxolitinib(b)
    b.flag("attestation.treated_at_study_site", True, AT)


def eligible_ebv_refractory() -> Case:
    b = _child("eligible-ebv-refractory", "2023-05-02")
    b.condition("condition.ebv_hlh", "2025-05-08")
    _salvage(b)
    return Case(
        PROTOCOL,
        "eligible-ebv-refractory",
        "Girl of 2 with EBV-HLH, no remission after 4 weeks of HLH-94 (etoposide + "
        "dexamethasone from 2025-05-10), oral ruxolitinib started on the index day in Beijing.",
        AT,
        "eligible",
        dict(ALL_MET),
        b.build(),
    )


def eligible_familial_relapse_infant() -> Case:
    b = _child("eligible-familial-relapse-infant", "2024-09-10", "male")
    b.condition("condition.hlh_primary", "2025-04-12")
    b.flag("attestation.hlh_refractory_relapsed", True, "2025-06-05")
    b.medication("drug.etoposide", "2025-04-15", "2025-05-13")
    b.medication("drug.dexamethasone", "2025-04-15")
    _ruxolitinib(b)
    b.flag("attestation.treated_at_study_site", True, AT)
    b.flag("attestation.treatment_history_reviewed", True, AT)
    b.flag("attestation.problem_list_reviewed", True, AT)
    return Case(
        PROTOCOL,
        "eligible-familial-relapse-infant",
        "Boy of 9 months (age 0 completed years, the youngest of the series) with familial "
        "HLH, complete remission after HLH-94 then relapse at 3 weeks; ruxolitinib from the "
        "index day.",
        AT,
        "eligible",
        dict(ALL_MET),
        b.build(),
    )


def eligible_day_before_18th_birthday() -> Case:
    b = _child("eligible-day-before-18th-birthday", "2007-06-16", "male")
    b.condition("condition.autoinflammatory_disease", "2019-01-01")
    _salvage(b)
    return Case(
        PROTOCOL,
        "eligible-day-before-18th-birthday",
        "Autoinflammatory-disease HLH refractory to HLH-94 in a boy who turns 18 the day after "
        "ruxolitinib starts: 17 completed years, still a child.",
        AT,
        "eligible",
        dict(ALL_MET),
        b.build(),
    )


def ineligible_18th_birthday() -> Case:
    b = _child("ineligible-18th-birthday", "2007-06-15")
    _salvage(b)
    return Case(
        PROTOCOL,
        "ineligible-18th-birthday",
        "Refractory HLH after HLH-94, ruxolitinib started on her 18th birthday: 18 completed "
        "years is not < 18.",
        AT,
        "ineligible",
        {**ALL_MET, "I1": "not_met"},
        b.build(),
    )


def ineligible_no_etoposide() -> Case:
    b = _child("ineligible-no-etoposide", "2021-03-03", "male")
    b.condition("condition.hlh_secondary", "2025-05-01")
    b.flag("attestation.hlh_refractory_relapsed", True, "2025-06-01")
    b.medication("drug.dexamethasone", "2025-05-02")
    b.medication("drug.ciclosporin", "2025-05-02")
    _ruxolitinib(b)
    b.flag("attestation.treated_at_study_site", True, AT)
    b.flag("attestation.treatment_history_reviewed", True, AT)
    b.flag("attestation.problem_list_reviewed", True, AT)
    return Case(
        PROTOCOL,
        "ineligible-no-etoposide",
        "Boy of 4 refractory to dexamethasone + ciclosporin; his treatment history is attested "
        "complete and has no etoposide: first line was not HLH-94.",
        AT,
        "ineligible",
        {**ALL_MET, "I3": "not_met"},
        b.build(),
    )


def ineligible_ruxolitinib_not_started() -> Case:
    b = _child("ineligible-ruxolitinib-not-started", "2022-08-20")
    b.condition("condition.ebv_hlh", "2025-05-05")
    b.flag("attestation.hlh_refractory_relapsed", True, "2025-06-07")
    _hlh94(b)
    _ruxolitinib(b, "2025-06-20")
    b.flag("attestation.treated_at_study_site", True, AT)
    b.flag("attestation.treatment_history_reviewed", True, AT)
    b.flag("attestation.problem_list_reviewed", True, AT)
    return Case(
        PROTOCOL,
        "ineligible-ruxolitinib-not-started",
        "Girl of 2 with refractory EBV-HLH screened on 2025-06-15, but ruxolitinib starts on "
        "2025-06-20: no ruxolitinib in the day up to the index time (history complete).",
        AT,
        "ineligible",
        {**ALL_MET, "I4": "not_met"},
        b.build(),
    )


def ineligible_in_remission() -> Case:
    b = _child("ineligible-in-remission", "2020-11-11", "male")
    b.condition("condition.hlh_primary", "2025-04-20")
    b.flag("attestation.hlh_refractory_relapsed", False, "2025-06-14")
    _hlh94(b)
    _ruxolitinib(b)
    b.flag("attestation.treated_at_study_site", True, AT)
    return Case(
        PROTOCOL,
        "ineligible-in-remission",
        "Boy of 4 with familial HLH in complete remission after HLH-94 (refractory/relapsed "
        "state stated absent) given ruxolitinib as a bridge to transplant: not salvage.",
        AT,
        "ineligible",
        {**ALL_MET, "I2": "not_met"},
        b.build(),
    )


def ineligible_remission_before_ruxolitinib() -> Case:
    b = _child("ineligible-remission-before-ruxolitinib", "2021-07-07")
    b.condition("condition.ebv_hlh", "2025-04-28")
    b.flag("attestation.hlh_refractory_relapsed", True, "2025-05-26")
    b.flag("attestation.hlh_refractory_relapsed", False, "2025-06-10")  # remission
    _hlh94(b)
    _ruxolitinib(b)
    b.flag("attestation.treated_at_study_site", True, AT)
    return Case(
        PROTOCOL,
        "ineligible-remission-before-ruxolitinib",
        "Girl of 3 whose EBV-HLH was refractory from 2025-05-26 but reached remission on "
        "2025-06-10, before ruxolitinib: the investigator's latest statement is 'no'.",
        AT,
        "ineligible",
        {**ALL_MET, "I2": "not_met"},
        b.build(),
    )


def ineligible_other_centre() -> Case:
    b = _child("ineligible-other-centre", "2023-01-30", "male")
    b.condition("condition.ebv_hlh", "2025-05-08")
    _salvage(b)
    b.flag("attestation.treated_at_study_site", False, "2025-06-15T12:00:00")
    return Case(
        PROTOCOL,
        "ineligible-other-centre",
        "Boy of 2 meeting every clinical criterion but treated in another hospital (the later "
        "site statement, no, replaces the earlier yes).",
        AT,
        "ineligible",
        {**ALL_MET, "I5": "not_met"},
        b.build(),
    )


def undetermined_no_birth_date() -> Case:
    b = _child("undetermined-no-birth-date", None)
    b.condition("condition.ebv_hlh", "2025-05-08")
    _salvage(b)
    return Case(
        PROTOCOL,
        "undetermined-no-birth-date",
        "Refractory EBV-HLH after HLH-94, ruxolitinib from the index day, but the birth date "
        "is missing from the extract: age unknown.",
        AT,
        "undetermined",
        {**ALL_MET, "I1": "unknown"},
        b.build(),
    )


def undetermined_history_incomplete() -> Case:
    b = _child("undetermined-history-incomplete", "2022-02-02", "male")
    b.condition("condition.ebv_hlh", "2025-05-08")
    b.flag("attestation.hlh_refractory_relapsed", True, "2025-06-07")
    b.medication("drug.etoposide", "2025-05-10", "2025-06-07")
    b.flag("attestation.treated_at_study_site", True, AT)
    return Case(
        PROTOCOL,
        "undetermined-history-incomplete",
        "Boy of 3 with refractory EBV-HLH: the extract lists etoposide only; dexamethasone and "
        "ruxolitinib are not recorded and the treatment history is not attested complete.",
        AT,
        "undetermined",
        {**ALL_MET, "I3": "unknown", "I4": "unknown"},
        b.build(),
    )


def undetermined_state_and_site_missing() -> Case:
    b = _child("undetermined-state-and-site-missing", "2020-04-04")
    b.condition("condition.hlh_secondary", "2025-05-01")
    _hlh94(b)
    _ruxolitinib(b)
    return Case(
        PROTOCOL,
        "undetermined-state-and-site-missing",
        "Girl of 5 with secondary HLH treated with HLH-94 then ruxolitinib, but neither the "
        "disease state before ruxolitinib (refractory/relapsed?) nor the treating centre is "
        "recorded.",
        AT,
        "undetermined",
        {**ALL_MET, "I2": "unknown", "I5": "unknown"},
        b.build(),
    )


def ineligible_adult() -> Case:
    b = _child("ineligible-adult", "1990-09-14", "male")
    b.condition("condition.hlh_secondary", "2025-06-10")
    return Case(
        PROTOCOL,
        "ineligible-adult",
        "Man of 34 with newly diagnosed secondary HLH: not a child; nothing else is recorded.",
        AT,
        "ineligible",
        {"I1": "not_met", "I2": "unknown", "I3": "unknown", "I4": "unknown", "I5": "unknown"},
        b.build(),
    )


CASES = [
    eligible_ebv_refractory(),
    eligible_familial_relapse_infant(),
    eligible_day_before_18th_birthday(),
    ineligible_18th_birthday(),
    ineligible_no_etoposide(),
    ineligible_ruxolitinib_not_started(),
    ineligible_in_remission(),
    ineligible_remission_before_ruxolitinib(),
    ineligible_other_centre(),
    undetermined_no_birth_date(),
    undetermined_history_incomplete(),
    undetermined_state_and_site_missing(),
    ineligible_adult(),
]
