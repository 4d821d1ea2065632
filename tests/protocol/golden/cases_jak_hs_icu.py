"""Golden screening cases for ``jak-hs-icu`` (seed 001, NCT06244862), written by hand.

Every expected status was worked out from the protocol text and the published
tables, not from trialkit: HLH-2004 (Henter 2007 Table I; fever ≥ 38.5 °C),
HScore (Fardet 2014 points table) and adult SOFA (Vincent 1996 Table 1, the
worst value of each system in the 24 h before the index time). Each bundle's
docstring-like ``description`` shows the arithmetic.

Index date 2025-06-15 (end of day). Values charted at 06:00 that morning fall
inside SOFA's 24-h window and the 7-day window of HLH-2004 and HScore.
"""

from __future__ import annotations

from protocol.golden.case import Case
from trialkit.testing import BundleBuilder

PROTOCOL = "jak-hs-icu"
AT = "2025-06-15"
T = "2025-06-15T06:00:00"  # morning round of the index day
SCREENING = "2025-06-14T18:00:00"  # team statements (consent, exclusions)

INCLUSIONS = ("I1", "I2", "I3", "I4", "I5", "I6")
EXCLUSIONS = tuple(f"E{n}" for n in range(1, 14))
ELIGIBLE = {**dict.fromkeys(INCLUSIONS, "met"), **dict.fromkeys(EXCLUSIONS, "not_met")}
"""Every inclusion met and every exclusion not met."""

# Exclusion statements, each a positive attestation whose "no" meets the exclusion.
_ATTESTED = {
    "E1": "attestation.life_expectancy_48h",
    "E3": "attestation.health_insurance",
    "E7": "attestation.no_withholding_of_care",
    "E10": "attestation.no_psychiatric_care_impeding_consent",
    "E11": "attestation.no_legal_protection_measure",
    "E12": "attestation.not_deprived_of_liberty",
    "E13": "attestation.no_other_investigational_agent",
}
# Exclusion diagnoses.
_DIAGNOSED = {
    "E4": "condition.hypersensitivity_ruxolitinib",
    "E5": "condition.lactose_intolerance",
    "E6": "condition.hypersensitivity_ruxolitinib_excipients",
    "E8": "condition.pml",
    "E9": "condition.skin_cancer",
}


def _exclusions(b: BundleBuilder, *, present: tuple[str, ...] = ()) -> None:
    """Record every exclusion fact: ruled out, or (for the ids in ``present``) present."""
    for cid, key in _ATTESTED.items():
        b.flag(key, cid not in present, SCREENING)
    for cid, key in _DIAGNOSED.items():
        if cid not in present:
            b.condition(key, SCREENING, verification="refuted")


def _hs(
    b: BundleBuilder,
    *,
    temperature: float = 39.8,
    spleen: bool = True,
    liver: bool = True,
    immunosuppressed: bool = False,
    haemoglobin: float = 7.9,
    leukocytes: float = 1.6,
    neutrophils: float = 0.9,
    platelets: float = 31,
    ferritin: float = 14800,
    triglycerides: float = 4.6,
    fibrinogen: float = 1.4,
    ast: float = 212,
    marrow: bool = True,
) -> None:
    """The haemophagocytic-syndrome work-up at 06:00 on the index day.

    Defaults (the "severe" profile), by hand:
    HLH-2004: fever 39.8 ≥ 38.5 (1), splenomegaly (1), cytopenias Hb 79 < 90 g/L,
    platelets 31 < 100, ANC 0.9 < 1.0 (1), TG 4.6 ≥ 3.0 mmol/L (1), marrow
    haemophagocytosis (1), NK activity not done (?), ferritin 14800 ≥ 500 (1),
    sCD25 not done (?) → 6 to 8 criteria, ≥ 5.
    HScore: immunosuppression no 0, temperature > 39.4 → 49, hepato + splenomegaly
    38, 3 lineages (Hb ≤ 9.2 g/dL, WBC ≤ 5, platelets ≤ 110) 34, ferritin > 6000
    → 50, TG > 4 → 64, fibrinogen ≤ 2.5 → 30, AST ≥ 30 → 19, marrow 35 = 319.
    """
    b.quantity("vital.temperature", temperature, "Cel", T)
    b.flag("finding.splenomegaly", spleen, T)
    b.flag("finding.hepatomegaly", liver, T)
    b.flag("finding.known_immunosuppression", immunosuppressed, T)
    b.quantity("lab.haemoglobin", haemoglobin, "g/dL", T)
    b.quantity("lab.leukocytes", leukocytes, "10*9/L", T)
    b.quantity("lab.neutrophils", neutrophils, "10*9/L", T)
    b.quantity("lab.platelets", platelets, "10*9/L", T)
    b.quantity("lab.ferritin", ferritin, "ug/L", T)
    b.quantity("lab.triglycerides", triglycerides, "mmol/L", T)
    b.quantity("lab.fibrinogen", fibrinogen, "g/L", T)
    b.quantity("lab.ast", ast, "U/L", T)
    b.flag("finding.haemophagocytosis_marrow", marrow, T)


def _organs(
    b: BundleBuilder,
    *,
    pao2: float = 68,
    fio2: float = 50,
    ventilated: bool = True,
    bilirubin: float = 3.4,
    map_: float = 61,
    norepinephrine: float | None = 0.08,
    gcs: float = 13,
    creatinine: float = 2.6,
    urine: float = 420,
) -> None:
    """The SOFA inputs of the index day (platelets come from :func:`_hs`).

    Defaults, by hand (Vincent 1996): P/F 68 / 0.50 = 136 < 200 on invasive
    ventilation → 3; bilirubin 3.4 mg/dL (2.0-5.9) → 2; norepinephrine 0.08
    µg/kg/min for 11 h (≤ 0.1) → 3 (MAP 61 alone would be 1); GCS 13 → 1;
    creatinine 2.6 mg/dL → 2 but urine 420 mL/d < 500 → 3. With platelets 31
    (< 50 → 3) the total is 3 + 3 + 2 + 3 + 1 + 3 = 15.
    """
    b.quantity("lab.pao2", pao2, "mm[Hg]", T)
    b.quantity("vital.fio2", fio2, "%", T)
    if ventilated:
        b.procedure("procedure.mechanical_ventilation", "2025-06-14T22:00:00", status="in-progress")
    b.quantity("lab.bilirubin_total", bilirubin, "mg/dL", T)
    b.quantity("vital.map", map_, "mm[Hg]", T)
    if norepinephrine is not None:
        b.medication(
            "drug.norepinephrine",
            "2025-06-14T23:00:00",
            "2025-06-15T10:00:00",
            kind="MedicationAdministration",
            rate=(norepinephrine, "ug/kg/min"),
        )
    b.quantity("assessment.gcs_total", gcs, "1", T)
    b.quantity("lab.creatinine", creatinine, "mg/dL", T)
    b.quantity("vital.urine_output_24h", urine, "mL/d", T)


def _icu(b: BundleBuilder) -> None:
    b.procedure("procedure.icu_admission", "2025-06-14T20:00:00")


def _man(name: str, birth: str | None = "1971-01-22") -> BundleBuilder:
    return BundleBuilder(f"{PROTOCOL}-{name}", birth, "male")


def _woman(name: str, birth: str) -> BundleBuilder:
    return BundleBuilder(f"{PROTOCOL}-{name}", birth, "female")


def eligible_emergency_inclusion() -> Case:
    b = _man("eligible-emergency-inclusion")
    _hs(b)
    _organs(b)
    _icu(b)
    b.flag("attestation.emergency_inclusion", True, SCREENING)
    _exclusions(b)
    return Case(
        PROTOCOL,
        "eligible-emergency-inclusion",
        "Man of 54 ventilated on noradrenaline for lymphoma-associated HS, included in an "
        "emergency (no family present). HLH-2004 6-8 of 8, HScore 319, SOFA 15 (see _hs and "
        "_organs). Man: contraception and pregnancy do not apply. Every exclusion ruled out.",
        AT,
        "eligible",
        dict(ELIGIBLE),
        b.build(),
    )


def eligible_hscore_route() -> Case:
    b = _woman("eligible-hscore-route", "1988-11-03")
    # HLH-2004: fever 39.0 (1); no splenomegaly (0); Hb 85 < 90 and platelets 95 < 100
    # (1); TG 2.5 < 3.0 and fibrinogen 2.0 > 1.5 (0); no haemophagocytosis (0); NK
    # activity normal (0); ferritin 5000 (1); sCD25 1800 < 2400 (0) → 3 of 8: not met.
    # HScore: immunosuppression 18; 39.0 in 38.4-39.4 → 33; hepatomegaly only 23;
    # Hb 8.5 ≤ 9.2, WBC 3.0 ≤ 5, platelets 95 ≤ 110 → 3 lineages 34; ferritin 5000 → 35;
    # TG 2.5 → 44; fibrinogen 2.0 → 30; AST 80 → 19; marrow no 0 → 236 ≥ 200: met.
    _hs(
        b,
        temperature=39.0,
        spleen=False,
        liver=True,
        immunosuppressed=True,
        haemoglobin=8.5,
        leukocytes=3.0,
        neutrophils=2.0,
        platelets=95,
        ferritin=5000,
        triglycerides=2.5,
        fibrinogen=2.0,
        ast=80,
        marrow=False,
    )
    b.flag("finding.haemophagocytosis", False, T)
    b.flag("finding.nk_activity_low", False, T)
    b.quantity("lab.scd25", 1800, "U/mL", T)
    # SOFA: P/F 80 / 0.40 = 200, not < 200 → 2 (support irrelevant below 3); platelets
    # 95 < 100 → 2; bilirubin 1.0 → 0; MAP 72, no vasopressor → 0; GCS 15 → 0;
    # creatinine 1.0 → 0 and urine 1200 → 0. Total 4: met at the threshold.
    _organs(
        b,
        pao2=80,
        fio2=40,
        ventilated=False,
        bilirubin=1.0,
        map_=72,
        norepinephrine=None,
        gcs=15,
        creatinine=1.0,
        urine=1200,
    )
    _icu(b)
    b.flag("attestation.consent_family_or_trusted_person", True, SCREENING)
    b.flag("attestation.childbearing_potential", True, SCREENING)
    b.flag("attestation.contraception", True, SCREENING)
    b.condition("condition.pregnancy", SCREENING, verification="refuted")
    b.condition("condition.breastfeeding", SCREENING, verification="refuted")
    _exclusions(b)
    return Case(
        PROTOCOL,
        "eligible-hscore-route",
        "Woman of 36 on azathioprine with HS after a viral infection: HLH-2004 only 3 of 8 "
        "(all 8 known) but HScore 236; SOFA exactly 4 (P/F exactly 200 scores 2, platelets "
        "95 score 2). Consent signed by her husband; of childbearing potential, on "
        "contraception, hCG negative (pregnancy refuted), not lactating.",
        AT,
        "eligible",
        dict(ELIGIBLE),
        b.build(),
    )


def ineligible_sofa_below_4() -> Case:
    b = _woman("ineligible-sofa-below-4", "1985-07-09")
    # HLH-2004 6-8 as the severe profile (platelets 120 is not < 100, but Hb 79 and
    # ANC 0.9 are two low lineages). HScore 0 + 49 + 38 + 24 (Hb, WBC; platelets 120 >
    # 110) + 50 + 64 + 30 + 19 + 35 = 309.
    _hs(b, platelets=120)
    # SOFA: P/F 92 / 0.21 = 438 ≥ 400 → 0; platelets 120 < 150 → 1; bilirubin 0.8 → 0;
    # MAP 78 without vasopressor → 0; GCS 15 → 0; creatinine 0.9 → 0, urine 1650 → 0.
    # Total 1 < 4.
    _organs(
        b,
        pao2=92,
        fio2=21,
        ventilated=False,
        bilirubin=0.8,
        map_=78,
        norepinephrine=None,
        gcs=15,
        creatinine=0.9,
        urine=1650,
    )
    _icu(b)
    b.flag("attestation.informed_consent", True, SCREENING)
    b.flag("attestation.childbearing_potential", False, SCREENING)
    return Case(
        PROTOCOL,
        "ineligible-sofa-below-4",
        "Woman of 39 in the ICU with HS (HLH-2004 6-8, HScore 309) but no organ failure: "
        "SOFA 1 (platelets 120 only). Not of childbearing potential, so contraception is "
        "met and neither pregnancy nor lactation is asked (lactation presupposes childbearing "
        "potential, CTFG 2020: E2 not met); every other exclusion not yet recorded (unknown).",
        AT,
        "ineligible",
        {
            **dict.fromkeys(INCLUSIONS, "met"),
            "I4": "not_met",
            **dict.fromkeys(EXCLUSIONS, "unknown"),
            "E2": "not_met",
        },
        b.build(),
    )


def undetermined_admission_work_up() -> Case:
    b = _man("undetermined-admission-work-up", "1965-04-30")
    b.quantity("vital.temperature", 38.9, "Cel", T)
    b.quantity("lab.ferritin", 6900, "ug/L", T)
    b.quantity("lab.platelets", 64, "10*9/L", T)
    b.quantity("vital.map", 66, "mm[Hg]", T)
    return Case(
        PROTOCOL,
        "undetermined-admission-work-up",
        "Man of 60 on the morning of admission: temperature 38.9, ferritin 6900, platelets 64, "
        "MAP 66 only. HLH-2004: fever and ferritin met, 6 not evaluated → 2-8. HScore: 33 + "
        "50 + ... → 83-321. SOFA: platelets 2, MAP < 70 1, four systems unknown → 3-19. The "
        "ICU admission is not recorded and the treatment history not attested; no consent or "
        "exclusion recorded yet. Man: contraception met, pregnancy not met.",
        AT,
        "undetermined",
        {
            "I1": "met",
            "I2": "unknown",
            "I3": "unknown",
            "I4": "unknown",
            "I5": "unknown",
            "I6": "met",
            **dict.fromkeys(EXCLUSIONS, "unknown"),
            "E2": "not_met",
        },
        b.build(),
    )


def ineligible_aged_17() -> Case:
    b = _man("ineligible-aged-17", "2007-09-01")
    _hs(b)
    _icu(b)
    b.flag("attestation.consent_family_or_trusted_person", True, SCREENING)
    return Case(
        PROTOCOL,
        "ineligible-aged-17",
        "Boy of 17 years 9 months with HS (HLH-2004 6-8, HScore 319) in the ICU, parents "
        "consented; no SOFA work-up other than platelets 31 (coagulation 3, five systems "
        "unknown → 3-23). Not an adult. Exclusions not recorded.",
        AT,
        "ineligible",
        {
            "I1": "not_met",
            "I2": "met",
            "I3": "met",
            "I4": "unknown",
            "I5": "met",
            "I6": "met",
            **dict.fromkeys(EXCLUSIONS, "unknown"),
            "E2": "not_met",
        },
        b.build(),
    )


def ineligible_pregnant() -> Case:
    b = _woman("ineligible-pregnant", "1996-02-14")
    _hs(b)
    _organs(b)
    _icu(b)
    b.flag("attestation.informed_consent", True, SCREENING)
    b.flag("attestation.childbearing_potential", True, SCREENING)
    b.flag("attestation.contraception", False, SCREENING)
    b.condition("condition.pregnancy", "2025-04-20")
    b.condition("condition.breastfeeding", SCREENING, verification="refuted")
    _exclusions(b)
    return Case(
        PROTOCOL,
        "ineligible-pregnant",
        "Woman of 29, 8 weeks pregnant, with severe HS (HLH-2004 6-8, HScore 319, SOFA 15): "
        "of childbearing potential without contraception (I6 not met) and pregnant (E2 met).",
        AT,
        "ineligible",
        {**ELIGIBLE, "I6": "not_met", "E2": "met"},
        b.build(),
    )


def ineligible_moribund() -> Case:
    b = _man("ineligible-moribund", "1955-03-30")
    _hs(b)
    _organs(b)
    _icu(b)
    b.flag("attestation.informed_consent", True, SCREENING)
    _exclusions(b, present=("E1", "E7"))
    return Case(
        PROTOCOL,
        "ineligible-moribund",
        "Man of 70 with severe HS and SOFA 15 whose life expectancy is under 48 hours, with a "
        "decision to withhold life-sustaining care already taken.",
        AT,
        "ineligible",
        {**ELIGIBLE, "E1": "met", "E7": "met"},
        b.build(),
    )


def ineligible_legal_and_insurance() -> Case:
    b = _man("ineligible-legal-and-insurance", "1980-08-08")
    _hs(b)
    _organs(b)
    _icu(b)
    b.flag("attestation.emergency_inclusion", True, SCREENING)
    _exclusions(b, present=("E3", "E10", "E11", "E12", "E13"))
    return Case(
        PROTOCOL,
        "ineligible-legal-and-insurance",
        "Man of 44 with severe HS: no health insurance, under psychiatric care that impedes "
        "consent, under guardianship, detained by court order and enrolled in another "
        "interventional study.",
        AT,
        "ineligible",
        {**ELIGIBLE, "E3": "met", "E10": "met", "E11": "met", "E12": "met", "E13": "met"},
        b.build(),
    )


def ineligible_medical_history() -> Case:
    b = _woman("ineligible-medical-history", "1972-12-01")
    _hs(b)
    _organs(b)
    _icu(b)
    b.flag("attestation.informed_consent", True, SCREENING)
    b.flag("attestation.childbearing_potential", False, SCREENING)
    b.condition("condition.breastfeeding", SCREENING, verification="refuted")
    b.condition("condition.hypersensitivity_ruxolitinib", "2023-05-02")
    b.condition("condition.lactose_intolerance", "1990-01-01")
    b.condition("condition.hypersensitivity_ruxolitinib_excipients", "2023-05-02")
    b.condition("condition.pml", "2019-03-01", abatement="2020-01-15")
    b.condition("condition.skin_cancer", "2025-02-10")
    _exclusions(b, present=("E4", "E5", "E6", "E8", "E9"))
    return Case(
        PROTOCOL,
        "ineligible-medical-history",
        "Postmenopausal woman of 52 with severe HS: anaphylaxis to ruxolitinib tablets in 2023 "
        "(drug and excipient hypersensitivity), lactose intolerance, PML in 2019 (resolved: a "
        "history still excludes) and an uncontrolled melanoma.",
        AT,
        "ineligible",
        {**ELIGIBLE, "E4": "met", "E5": "met", "E6": "met", "E8": "met", "E9": "met"},
        b.build(),
    )


def ineligible_consent_refused() -> Case:
    b = _man("ineligible-consent-refused", "1977-06-19")
    _hs(b)
    _organs(b)
    _icu(b)
    b.flag("attestation.informed_consent", False, SCREENING)
    b.flag("attestation.consent_family_or_trusted_person", False, SCREENING)
    b.flag("attestation.emergency_inclusion", False, SCREENING)
    _exclusions(b)
    return Case(
        PROTOCOL,
        "ineligible-consent-refused",
        "Man of 47 with severe HS: he refused, his family refused, and the emergency "
        "procedure does not apply (family present). No consent alternative holds.",
        AT,
        "ineligible",
        {**ELIGIBLE, "I5": "not_met"},
        b.build(),
    )


def ineligible_ward_patient() -> Case:
    b = _man("ineligible-ward-patient", "1966-10-10")
    _hs(b)
    # SOFA: P/F 70 / 0.35 = 200 → 2; platelets 31 → 3; bilirubin 0.8 → 0; MAP 75, no
    # vasopressor → 0; GCS 15 → 0; creatinine 0.9 → 0, urine 1650 → 0. Total 5.
    _organs(
        b,
        pao2=70,
        fio2=35,
        ventilated=False,
        bilirubin=0.8,
        map_=75,
        norepinephrine=None,
        gcs=15,
        creatinine=0.9,
        urine=1650,
    )
    b.procedure("procedure.icu_admission", "2025-03-01T10:00:00", "2025-03-05T12:00:00")
    b.flag("attestation.treatment_history_reviewed", True, SCREENING)
    b.flag("attestation.problem_list_reviewed", True, SCREENING)
    b.flag("attestation.informed_consent", True, SCREENING)
    _exclusions(b)
    return Case(
        PROTOCOL,
        "ineligible-ward-patient",
        "Man of 58 with HS and SOFA 5 on the haematology ward: his only ICU stay was in March "
        "2025 and the procedure history is attested complete, so he is not admitted in the ICU.",
        AT,
        "ineligible",
        {**ELIGIBLE, "I3": "not_met"},
        b.build(),
    )


def ineligible_sepsis_not_hs() -> Case:
    b = _man("ineligible-sepsis-not-hs", "1958-01-25")
    # HLH-2004: 38.0 < 38.5 (0); no splenomegaly (0); only platelets 90 low (0); TG 1.2 and
    # fibrinogen 4.0 normal (0); haemophagocytosis on marrow no, other sites unknown (?);
    # NK (?); ferritin 800 ≥ 500 (1); sCD25 (?) → 1 to 4 < 5: not met.
    # HScore: 0 + 0 (< 38.4) + 0 + 0 (1 lineage) + 0 (< 2000) + 0 (< 1.5) + 0 (> 2.5) +
    # 19 (AST 45) + 0 = 19 < 200: not met.
    _hs(
        b,
        temperature=38.0,
        spleen=False,
        liver=False,
        haemoglobin=11.0,
        leukocytes=12.0,
        neutrophils=9.0,
        platelets=90,
        ferritin=800,
        triglycerides=1.2,
        fibrinogen=4.0,
        ast=45,
        marrow=False,
    )
    # SOFA: P/F 136 ventilated 3; platelets 90 → 2; bilirubin 0.8 → 0; noradrenaline 3;
    # GCS 15 → 0; creatinine 0.9 / urine 1650 → 0. Total 8.
    _organs(b, bilirubin=0.8, gcs=15, creatinine=0.9, urine=1650)
    _icu(b)
    b.flag("attestation.informed_consent", True, SCREENING)
    _exclusions(b)
    return Case(
        PROTOCOL,
        "ineligible-sepsis-not-hs",
        "Man of 67 in septic shock (SOFA 8) without HS: HLH-2004 at most 4 of 8 and HScore 19 "
        "with every input known.",
        AT,
        "ineligible",
        {**ELIGIBLE, "I2": "not_met"},
        b.build(),
    )


def undetermined_consent_pending() -> Case:
    b = _woman("undetermined-consent-pending", "1993-09-09")
    _hs(b)
    _organs(b)
    _icu(b)
    b.flag("attestation.childbearing_potential", True, SCREENING)
    b.condition("condition.breastfeeding", SCREENING, verification="refuted")
    _exclusions(b)
    return Case(
        PROTOCOL,
        "undetermined-consent-pending",
        "Woman of 31 with severe HS (SOFA 15), family on the way: no consent recorded yet, "
        "contraception and the pregnancy test not yet recorded (of childbearing potential, "
        "not lactating).",
        AT,
        "undetermined",
        {**ELIGIBLE, "I5": "unknown", "I6": "unknown", "E2": "unknown"},
        b.build(),
    )


def undetermined_no_birth_date() -> Case:
    b = _man("undetermined-no-birth-date", None)
    _hs(b)
    _organs(b)
    _icu(b)
    b.flag("attestation.emergency_inclusion", True, SCREENING)
    _exclusions(b)
    return Case(
        PROTOCOL,
        "undetermined-no-birth-date",
        "Unidentified man admitted unconscious with severe HS (HLH-2004 6-8, HScore 319, SOFA "
        "15), included in an emergency: his birth date is unknown, so adulthood is unknown.",
        AT,
        "undetermined",
        {**ELIGIBLE, "I1": "unknown"},
        b.build(),
    )


CASES = [
    eligible_emergency_inclusion(),
    eligible_hscore_route(),
    ineligible_sofa_below_4(),
    undetermined_admission_work_up(),
    ineligible_aged_17(),
    ineligible_pregnant(),
    ineligible_moribund(),
    ineligible_legal_and_insurance(),
    ineligible_medical_history(),
    ineligible_consent_refused(),
    ineligible_ward_patient(),
    ineligible_sepsis_not_hs(),
    undetermined_consent_pending(),
    undetermined_no_birth_date(),
]
