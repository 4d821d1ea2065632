"""Golden screening cases for ``r-hlh`` (seed 000, NCT05762640), written by hand.

Every expected status was worked out from the seed's criteria as the protocol
file encodes them and from the published thresholds (Henter 2007 Table I,
fever ≥ 38.5 °C after Jordan 2011; bedside Schwartz 2009 = 0.413 × height cm /
creatinine mg/dL; Cockcroft–Gault 1976), not from trialkit's output. Each
case's description shows the arithmetic that decides it.

Index date 2025-06-15 (end of day). The HLH work-up is charted at 08:00 the day
before (inside the 7-day window of measurements and the 30-day window of
findings); the team's statements are recorded that evening.
"""

from __future__ import annotations

from protocol.golden.case import Case
from trialkit.testing import BundleBuilder

PROTOCOL = "r-hlh"
AT = "2025-06-15"
DAY = "2025-06-14T08:00:00"  # work-up
SCREENING = "2025-06-14T18:00:00"  # team statements

INCLUSIONS = tuple(f"I{n}" for n in range(1, 7))
EXCLUSIONS = tuple(f"E{n}" for n in range(1, 14))
ELIGIBLE = {**dict.fromkeys(INCLUSIONS, "met"), **dict.fromkeys(EXCLUSIONS, "not_met")}
"""Every inclusion met and every exclusion not met."""

# Exclusion diagnoses the team rules out (a refuted Condition) unless present.
_DIAGNOSES = {
    "E4": (
        "condition.hypersensitivity_ruxolitinib",
        "condition.hypersensitivity_ruxolitinib_excipients",
    ),
    "E5": ("condition.hypersensitivity_methylprednisolone_prednisolone",),
    "E9": ("condition.tuberculosis",),
    "E10": ("condition.rheumatologic_disorder",),
    "E11": ("condition.malignancy",),
}
# Exclusion findings the team records (false unless present).
_FINDINGS = {
    "E3": "attestation.isolated_cns_hlh",
    "E6": "attestation.infection_other_than_hlh_trigger",
    "E8": "attestation.hepatic_failure_grade4",
}


def _workup(
    b: BundleBuilder,
    *,
    temperature: float | None = 39.6,
    fever: bool | None = None,
    spleen: bool | None = True,
    haemoglobin: tuple[float, str] | None = (8.1, "g/dL"),
    platelets: float | None = 38,
    neutrophils: float | None = 0.6,
    triglycerides: tuple[float, str] | None = (342, "mg/dL"),
    fibrinogen: float | None = 1.1,
    haemophagocytosis: bool | None = True,
    nk_low: bool | None = True,
    ferritin: float | None = 8450,
    scd25: float | None = 11200,
    hla_dr: bool | None = None,
) -> None:
    """The HLH work-up charted on DAY; ``None`` leaves an item out.

    Defaults, by hand (all eight criteria met): temperature 39.6 ≥ 38.5 °C;
    splenomegaly; Hb 81 g/L < 90, platelets 38 < 100, ANC 0.6 < 1.0 (×10⁹/L);
    TG 342 mg/dL ≥ 265; fibrinogen 1.1 ≤ 1.5 g/L; haemophagocytosis; low NK
    activity; ferritin 8450 ≥ 500 µg/L; sCD25 11200 ≥ 2400 U/mL.
    """
    if temperature is not None:
        b.quantity("vital.temperature", temperature, "Cel", DAY)
    if fever is not None:
        b.flag("finding.fever", fever, DAY)
    if spleen is not None:
        b.flag("finding.splenomegaly", spleen, DAY)
    if haemoglobin is not None:
        b.quantity("lab.haemoglobin", haemoglobin[0], haemoglobin[1], DAY)
    if platelets is not None:
        b.quantity("lab.platelets", platelets, "10*9/L", DAY)
    if neutrophils is not None:
        b.quantity("lab.neutrophils", neutrophils, "10*9/L", DAY)
    if triglycerides is not None:
        b.quantity("lab.triglycerides", triglycerides[0], triglycerides[1], DAY)
    if fibrinogen is not None:
        b.quantity("lab.fibrinogen", fibrinogen, "g/L", DAY)
    if haemophagocytosis is not None:
        b.flag("finding.haemophagocytosis", haemophagocytosis, DAY)
    if nk_low is not None:
        b.flag("finding.nk_activity_low", nk_low, DAY)
    if ferritin is not None:
        b.quantity("lab.ferritin", ferritin, "ug/L", DAY)
    if scd25 is not None:
        b.quantity("lab.scd25", scd25, "U/mL", DAY)
    if hla_dr is not None:
        b.flag("attestation.activated_t_cells_hla_dr", hla_dr, DAY)


def _renal(b: BundleBuilder, creatinine: float, height: float, weight: float | None = None) -> None:
    """Creatinine (mg/dL), height (cm) and weight (kg) on DAY."""
    b.quantity("lab.creatinine", creatinine, "mg/dL", DAY)
    b.quantity("vital.height", height, "cm", DAY)
    if weight is not None:
        b.quantity("vital.weight", weight, "kg", DAY)


def _team(
    b: BundleBuilder,
    *,
    childbearing: bool = False,
    contraception: bool | None = None,
    minor: bool = True,
    consent: bool = True,
    insurance: bool = True,
    untreated: bool = True,
    other_agent: bool = False,
    oral: bool = True,
) -> None:
    """The team's statements at screening (treatment history attested complete)."""
    b.flag("attestation.childbearing_potential", childbearing, SCREENING)
    if contraception is not None:
        b.flag("attestation.contraception", contraception, SCREENING)
    b.flag("attestation.informed_consent", consent, SCREENING)
    if minor:
        b.flag("attestation.consent_legal_representative", consent, SCREENING)
    b.flag("attestation.health_insurance", insurance, SCREENING)
    b.flag("attestation.no_prior_hlh_specific_treatment", untreated, SCREENING)
    b.flag("attestation.treatment_history_reviewed", True, SCREENING)
    b.flag("attestation.problem_list_reviewed", True, SCREENING)
    b.flag("attestation.no_other_investigational_agent", not other_agent, SCREENING)
    b.flag("attestation.oral_or_ng_administration_possible", oral, SCREENING)


def _exclusions(b: BundleBuilder, *, present: tuple[str, ...] = ()) -> None:
    """Rule out the exclusion diagnoses and findings, except those whose id is in ``present``."""
    for cid, keys in _DIAGNOSES.items():
        if cid not in present:
            for key in keys:
                b.condition(key, SCREENING, verification="refuted")
    for cid, key in _FINDINGS.items():
        b.flag(key, cid in present, SCREENING)


def _case(
    name: str, description: str, verdict: str, criteria: dict[str, str], b: BundleBuilder
) -> Case:
    return Case(PROTOCOL, name, description, AT, verdict, criteria, b.build())


def eligible_prf1_infant() -> Case:
    b = BundleBuilder("r-hlh-prf1-infant", "2024-11-10", "male")
    b.condition("condition.hlh_primary", "2025-06-12")
    b.variant(("gene.prf1",), "mutation", "2025-06-12", protein_change="p.Arg54Cys")
    _workup(b)
    _renal(b, 0.3, 67)
    _team(b)
    _exclusions(b)
    return _case(
        "eligible-prf1-infant",
        "Seven-month-old boy with a recorded diagnosis of primary HLH (PRF1) and a full HLH "
        "work-up (8/8 criteria), untreated (history attested complete, no drug recorded), "
        "parents consented, every exclusion ruled out. I1: 0 y < 22. I2 route 1. I3: attested, "
        "no HLH-directed drug. I4: not of childbearing potential. E2: no corticosteroid or "
        "ciclosporin. E7: Schwartz 0.413 × 67 / 0.3 = 92.2 ≥ 15. Eligible.",
        "eligible",
        dict(ELIGIBLE),
        b,
    )


def eligible_criteria_route_girl() -> Case:
    b = BundleBuilder("r-hlh-criteria-girl", "2010-03-02", "female")
    _workup(
        b,
        temperature=39.2,
        haemoglobin=(84, "g/L"),
        platelets=45,
        neutrophils=1.8,
        triglycerides=(3.4, "mmol/L"),
        fibrinogen=2.1,
        haemophagocytosis=False,
        nk_low=False,
        ferritin=3200,
        scd25=None,
    )
    _renal(b, 0.6, 160)
    _team(b, childbearing=True, contraception=True)
    b.condition("condition.pregnancy", SCREENING, verification="refuted")
    b.condition("condition.breastfeeding", SCREENING, verification="refuted")
    _exclusions(b)
    return _case(
        "eligible-criteria-route-girl",
        "Fifteen-year-old girl, genetics pending (route 1 unknown), exactly 5 of 8 criteria: "
        "fever 39.2 ≥ 38.5; splenomegaly; cytopenias Hb 84 < 90 g/L and platelets 45 < 100 "
        "(ANC 1.8 not low); TG 3.4 ≥ 3.0 mmol/L; ferritin 3200 ≥ 500. Haemophagocytosis and "
        "NK not low, sCD25/HLA-DR not done → 5 met, so I2 is met. Of childbearing potential "
        "with contraception (I4 met), pregnancy test negative and not breastfeeding (E4 not "
        "met). Schwartz 0.413 × 160 / 0.6 = 110. Eligible.",
        "eligible",
        dict(ELIGIBLE),
        b,
    )


def eligible_hla_dr_route() -> Case:
    b = BundleBuilder("r-hlh-hla-dr", "2020-01-20", "male")
    b.flag("finding.family_history_hlh", False, DAY)
    _workup(
        b,
        temperature=None,
        fever=True,
        haemoglobin=(86, "g/L"),
        platelets=150,
        neutrophils=0.4,
        triglycerides=(265, "mg/dL"),
        fibrinogen=2.0,
        haemophagocytosis=None,
        nk_low=None,
        ferritin=420,
        scd25=None,
        hla_dr=True,
    )
    b.quantity("lab.scd25_mass", 1500, "pg/mL", DAY)
    _renal(b, 0.35, 110)
    _team(b)
    _exclusions(b)
    return _case(
        "eligible-hla-dr-route",
        "Five-year-old boy, no family history, genetics and FACS pending (route 1 unknown). "
        "Criteria: fever recorded; splenomegaly; cytopenias Hb 86 < 90 g/L and ANC 0.4 < 1.0 "
        "(platelets 150 not low); TG 265 mg/dL ≥ 265 mg/dL (Henter prints both units; the "
        "value is read in its own unit); ferritin 420 < 500 not met; haemophagocytosis and NK "
        "not done; criterion 8 met by HLA-DR+ activated T cells above the laboratory normal "
        "(sCD25 only in pg/mL, not comparable with 2400 U/mL) → 5 met, I2 met through the "
        "seed's HLA-DR alternative. Schwartz 0.413 × 110 / 0.35 = 129.8. Eligible.",
        "eligible",
        dict(ELIGIBLE),
        b,
    )


def ineligible_prior_etoposide() -> Case:
    b = BundleBuilder("r-hlh-prior-etoposide", "2015-02-03", "female")
    _workup(b)
    b.medication("drug.etoposide", "2025-05-20", "2025-06-10", status="completed")
    b.medication("drug.dexamethasone", "2025-05-20")
    _renal(b, 0.5, 138)
    _team(b, untreated=False)
    _exclusions(b)
    return _case(
        "ineligible-prior-etoposide",
        "Ten-year-old girl already on HLH-94 (etoposide 20 May-10 June, dexamethasone since 20 "
        "May, ongoing), full work-up. I3 not met (team states prior specific treatment; "
        "etoposide recorded). E1 met (previous etoposide). E2 met: dexamethasone from 20 May "
        "to the index time, about 27 days > 14. Not of childbearing potential. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I3": "not_met", "E1": "met", "E2": "met"},
        b,
    )


def undetermined_workup_pending() -> Case:
    b = BundleBuilder("r-hlh-pending", "2013-03-18", "male")
    b.quantity("vital.temperature", 39.1, "Cel", DAY)
    b.flag("finding.splenomegaly", True, DAY)
    b.quantity("lab.haemoglobin", 84, "g/L", DAY)
    b.quantity("lab.platelets", 92, "10*9/L", DAY)
    b.quantity("lab.ferritin", 2650, "ug/L", DAY)
    return _case(
        "undetermined-workup-pending",
        "Twelve-year-old boy on the day of referral: fever 39.1, splenomegaly, Hb 84 < 90 g/L "
        "and platelets 92 < 100 (cytopenias), ferritin 2650 ≥ 500 → 4 criteria met, lipids, "
        "haemophagocytosis, NK and sCD25 not done → I2 unknown (route 1 not recorded either). "
        "Nothing else recorded: every statement of the team unknown, no creatinine (E7 "
        "unknown), no treatment history (E1, E2, I3 unknown); I1 met (12 y); a boy of 12 is past "
        "the age (9) before which puberty is precocious and is not assessed: I4 unknown. "
        "Undetermined.",
        "undetermined",
        {
            **dict.fromkeys(INCLUSIONS, "unknown"),
            **dict.fromkeys(EXCLUSIONS, "unknown"),
            "I1": "met",
        },
        b,
    )


def ineligible_age_22() -> Case:
    b = BundleBuilder("r-hlh-age-22", "2003-01-10", "male")
    b.condition("condition.hlh_primary", "2025-06-10")
    _workup(b)
    _renal(b, 0.9, 178, 70)
    _team(b, childbearing=True, contraception=True, minor=False)
    _exclusions(b)
    return _case(
        "ineligible-age-22",
        "Twenty-two-year-old man (22 y 5 mo) with XLP-type primary HLH: I1 not met (completed "
        "age 22, the registry's limit is under 22). Adult: his own written consent suffices "
        "(I5 met without a legal representative). Contraception for a man of reproductive "
        "age (I4 met). E7: Cockcroft–Gault (140 − 22) × 70 / (72 × 0.9) = 127.5 mL/min ≥ 15. "
        "Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I1": "not_met"},
        b,
    )


def ineligible_comorbidities() -> Case:
    b = BundleBuilder("r-hlh-comorbid", "2009-05-05", "male")
    b.flag("finding.family_history_hlh", True, DAY)
    _workup(b)
    b.condition("condition.tuberculosis", "2021-02-01", "2021-09-01")
    b.condition("condition.rheumatologic_disorder", "2019-01-01")
    b.condition("condition.malignancy", "2025-05-01")
    _renal(b, 0.8, 170)
    _team(b, childbearing=True, contraception=True)
    _exclusions(b, present=("E6", "E8", "E9", "E10", "E11"))
    return _case(
        "ineligible-comorbidities",
        "Sixteen-year-old boy with a positive family history (I2 route 1), tuberculosis "
        "treated in 2021 (E9: past tuberculosis), a rheumatologic disorder since 2019 (E10), "
        "an active malignancy since May 2025 (E11), grade 4 hepatic failure (E8) and an "
        "infection other than the HLH trigger (E6). Inclusions all met. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "E6": "met", "E8": "met", "E9": "met", "E10": "met", "E11": "met"},
        b,
    )


def ineligible_contraindications() -> Case:
    b = BundleBuilder("r-hlh-contraindications", "2008-01-15", "female")
    b.condition("condition.hlh_primary", "2025-06-11")
    _workup(b)
    b.condition("condition.pregnancy", "2025-05-01")
    b.condition("condition.hypersensitivity_ruxolitinib", "2023-04-01")
    b.condition("condition.hypersensitivity_methylprednisolone_prednisolone", "2022-09-01")
    b.condition(
        "condition.hypersensitivity_ruxolitinib_excipients", SCREENING, verification="refuted"
    )
    _renal(b, 0.7, 165)
    _team(b, childbearing=True, contraception=False, other_agent=True, oral=False)
    _exclusions(b, present=("E4", "E5"))
    return _case(
        "ineligible-contraindications",
        "Seventeen-year-old girl with primary HLH, pregnant since May and known to be "
        "hypersensitive to ruxolitinib (E4 met on both counts) and to methylprednisolone/"
        "prednisolone (E5 met); of childbearing potential without contraception (I4 not met); "
        "in another interventional trial (E12 met) and unable to take drugs by mouth or NG "
        "tube (E13 met). Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I4": "not_met", "E4": "met", "E5": "met", "E12": "met", "E13": "met"},
        b,
    )


def ineligible_cns_renal() -> Case:
    b = BundleBuilder("r-hlh-cns-renal", "2023-04-01", "male")
    b.flag("finding.family_history_hlh", True, DAY)
    _renal(b, 3.0, 85)
    _team(b)
    _exclusions(b, present=("E3",))
    return _case(
        "ineligible-cns-renal",
        "Two-year-old boy with a positive family history (I2 route 1; no systemic work-up) "
        "and isolated CNS HLH (E3 met). Creatinine 3.0 mg/dL, height 85 cm: Schwartz "
        "0.413 × 85 / 3.0 = 11.7 < 15 mL/min/1.73 m², no dialysis recorded with the treatment "
        "history attested complete → E7 met. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "E3": "met", "E7": "met"},
        b,
    )


def ineligible_no_consent_on_dialysis() -> Case:
    b = BundleBuilder("r-hlh-dialysis", "2013-02-20", "male")
    b.condition("condition.hlh_primary", "2025-06-05")
    _workup(b)
    _renal(b, 5.0, 150)
    b.procedure("procedure.dialysis", "2025-06-13")
    _team(b, consent=False, insurance=False)
    _exclusions(b)
    return _case(
        "ineligible-no-consent-on-dialysis",
        "Twelve-year-old boy with primary HLH whose parents refuse consent (I5 not met) and "
        "who has no social security affiliation (I6 not met). Creatinine 5.0 mg/dL, height "
        "150 cm: Schwartz 0.413 × 150 / 5.0 = 12.4 < 15, but on dialysis (13 June) → E7 not "
        "met. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I5": "not_met", "I6": "not_met"},
        b,
    )


def ineligible_no_hlh() -> Case:
    b = BundleBuilder("r-hlh-no-hlh", "2017-01-09", "female")
    b.condition("condition.hlh_primary", SCREENING, verification="refuted")
    b.flag("attestation.cytotoxic_protein_expression_abnormal", False, DAY)
    b.flag("finding.family_history_hlh", False, DAY)
    _workup(
        b,
        temperature=37.2,
        fever=False,
        spleen=False,
        haemoglobin=(120, "g/L"),
        platelets=250,
        neutrophils=3.0,
        triglycerides=(1.2, "mmol/L"),
        fibrinogen=3.0,
        haemophagocytosis=False,
        nk_low=False,
        ferritin=150,
        scd25=900,
        hla_dr=False,
    )
    _renal(b, 0.5, 128)
    _team(b)
    _exclusions(b)
    return _case(
        "ineligible-no-hlh",
        "Eight-year-old girl referred for fever of unknown origin: primary HLH ruled out, "
        "normal FACS, no family history (route 1 not met); temperature 37.2 and no fever, no "
        "splenomegaly, Hb 120, platelets 250, ANC 3.0, TG 1.2 mmol/L, fibrinogen 3.0, no "
        "haemophagocytosis, NK normal, ferritin 150, sCD25 900 U/mL, no HLA-DR activation → 0 "
        "of 8. I2 not met. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I2": "not_met"},
        b,
    )


def undetermined_no_birth_date() -> Case:
    b = BundleBuilder("r-hlh-no-birth-date", None, "male")
    b.condition("condition.hlh_primary", "2025-06-12")
    _workup(b)
    _renal(b, 0.5, 120, 25)
    _team(b)
    _exclusions(b)
    return _case(
        "undetermined-no-birth-date",
        "A boy with primary HLH whose birth date is missing from the record. I1 unknown. I5 "
        "met all the same (parents consented; the adult branch is not needed). E7: Schwartz "
        "0.413 × 120 / 0.5 = 99 ≥ 15 settles the under-18 branch, but whether he is 18 or "
        "older (Cockcroft–Gault needs the age) is unknown → E7 unknown. Undetermined.",
        "undetermined",
        {**ELIGIBLE, "I1": "unknown", "E7": "unknown"},
        b,
    )


def eligible_short_steroid_course() -> Case:
    b = BundleBuilder("r-hlh-short-steroids", "2019-03-03", "female")
    b.condition("condition.hlh_primary", "2025-06-09")
    _workup(b)
    b.medication("drug.methylprednisolone", "2025-06-08", "2025-06-14", status="completed")
    _renal(b, 0.4, 115)
    _team(b)
    _exclusions(b)
    return _case(
        "eligible-short-steroid-course",
        "Six-year-old girl with primary HLH given methylprednisolone for 6 days (8-14 June) "
        "while the diagnosis was made: not more than 14 days (E2 not met), and corticosteroids "
        "are not among the HLH-directed agents of I3. Schwartz 0.413 × 115 / 0.4 = 118.7. "
        "Eligible.",
        "eligible",
        dict(ELIGIBLE),
        b,
    )


def ineligible_past_cyp3a4_inducer() -> Case:
    b = BundleBuilder("r-hlh-phenobarbital", "2024-04-10", "male")
    b.condition("condition.hlh_primary", "2025-06-12")
    _workup(b)
    b.medication("drug.phenobarbital", "2024-07-01", "2024-08-15", status="completed")
    _renal(b, 0.3, 76)
    _team(b)
    _exclusions(b)
    return _case(
        "ineligible-past-cyp3a4-inducer",
        "Fourteen-month-old boy with primary HLH who received phenobarbital (a strong CYP3A4 "
        "inducer) for neonatal seizures in July-August 2024: E1 reads 'previous treatment "
        "with ... any other strong CYP3A4 inducers' literally (no wash-out window in the "
        "seed) → met. Phenobarbital is not an HLH treatment (I3 met). Ineligible.",
        "ineligible",
        {**ELIGIBLE, "E1": "met"},
        b,
    )


def eligible_neonate_boundaries() -> Case:
    b = BundleBuilder("r-hlh-neonate", "2025-05-26", "female")
    _workup(
        b,
        temperature=None,
        fever=True,
        spleen=False,
        haemoglobin=(95, "g/L"),
        platelets=80,
        neutrophils=1.5,
        triglycerides=(1.0, "mmol/L"),
        fibrinogen=1.5,
        haemophagocytosis=False,
        nk_low=False,
        ferritin=500,
        scd25=2400,
        hla_dr=False,
    )
    _renal(b, 0.4, 50)
    _team(b)
    _exclusions(b)
    return _case(
        "eligible-neonate-boundaries",
        "Twenty-day-old girl, genetics pending (route 1 unknown); exactly 5 criteria, four "
        "of them on a boundary: fever recorded (1); no splenomegaly; cytopenias Hb 95 < 100 "
        "g/L (neonate, < 28 days) and platelets 80 < 100 (ANC 1.5 not low) (1); fibrinogen "
        "1.5 ≤ 1.5 g/L (Henter's ≤, the seed prints <) (1); no haemophagocytosis, NK normal; "
        "ferritin 500 ≥ 500 (1); sCD25 2400 ≥ 2400 U/mL (1) → 5, I2 met; any boundary read "
        "the other way would leave 4 and I2 unknown. Schwartz 0.413 × 50 / 0.4 = 51.6. "
        "Eligible.",
        "eligible",
        dict(ELIGIBLE),
        b,
    )


def ineligible_just_below_thresholds() -> Case:
    b = BundleBuilder("r-hlh-just-below", "2025-05-04", "male")
    b.condition("condition.hlh_primary", SCREENING, verification="refuted")
    b.flag("attestation.cytotoxic_protein_expression_abnormal", False, DAY)
    b.flag("finding.family_history_hlh", False, DAY)
    _workup(
        b,
        temperature=None,
        fever=True,
        haemoglobin=(95, "g/L"),
        platelets=80,
        neutrophils=1.0,
        triglycerides=(2.99, "mmol/L"),
        fibrinogen=1.51,
        haemophagocytosis=False,
        nk_low=False,
        ferritin=499,
        scd25=2399,
        hla_dr=False,
    )
    _renal(b, 0.3, 55)
    _team(b)
    _exclusions(b)
    return _case(
        "ineligible-just-below-thresholds",
        "Six-week-old boy (42 days), primary HLH ruled out, normal FACS, no family history. "
        "Fever and splenomegaly (2); Hb 95 g/L is not < 90 after 28 days of age, platelets 80 "
        "low, ANC 1.0 not < 1.0 → one lineage, no cytopenia criterion; TG 2.99 mmol/L < 3.0 "
        "(and < 265 mg/dL = 2.992 mmol/L), fibrinogen 1.51 > 1.5; ferritin 499 < 500; sCD25 "
        "2399 < 2400, no HLA-DR activation → 2 of 8, I2 not met. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I2": "not_met"},
        b,
    )


CASES = [
    eligible_prf1_infant(),
    eligible_criteria_route_girl(),
    eligible_hla_dr_route(),
    ineligible_prior_etoposide(),
    undetermined_workup_pending(),
    ineligible_age_22(),
    ineligible_comorbidities(),
    ineligible_contraindications(),
    ineligible_cns_renal(),
    ineligible_no_consent_on_dialysis(),
    ineligible_no_hlh(),
    undetermined_no_birth_date(),
    eligible_short_steroid_course(),
    ineligible_past_cyp3a4_inducer(),
    eligible_neonate_boundaries(),
    ineligible_just_below_thresholds(),
]
