"""Golden screening cases for ``hem-ismart-c`` (seed 004, NCT05745714), written by hand.

Every expected status was worked out from the protocol text and the published
definitions, not from trialkit:

- bedside Schwartz eGFR = 0.413 × height (cm) / creatinine (mg/dL) (Schwartz 2009);
- QTcF = QT / RR^(1/3), RR = 60 / heart rate (s) (Fridericia 1920);
- Karnofsky for patients older than 12 years (13 and over in completed years),
  Lansky for 12 years or less (seed inclusion 2);
- "x ULN" is a multiple of the upper limit of the reference range the
  laboratory reports with the result;
- wash-outs are counted back from the index time; monoclonal antibodies use the
  shorter of 21 days and 5 label half-lives (blinatumomab 2.1 h → 10.5 h,
  inotuzumab ozogamicin 12.3 d → 21 days; gemtuzumab ozogamicin has no cited
  half-life).

Index date 2025-06-15 = C1D1, screened as of the end of that day (the 48-hour
window starts 2025-06-13 23:59:59, the 7-day window 2025-06-08 23:59:59, one
month back is 2025-05-15, two months 2025-04-15, three months 2025-03-15).
Laboratory values are drawn on 2025-06-14 08:00 (inside 48 h), the ECG is of
2025-06-13 10:00, the echocardiogram of 2025-06-12, performance status of
2025-06-13. Each ``description`` shows the reasoning and the arithmetic.
"""

from __future__ import annotations

from protocol.golden.case import Case
from trialkit.testing import BundleBuilder

PROTOCOL = "hem-ismart-c"
AT = "2025-06-15"
LAB = "2025-06-14T08:00:00"
ECG = "2025-06-13T10:00:00"
ECHO = "2025-06-12T09:00:00"
PERF = "2025-06-13T09:00:00"
STATED = "2025-06-10"  # team statements: consent, attestations, findings
PROFILED = "2025-05-20"  # molecular profiling of the relapse

INCLUSIONS = ("I1", "I2", "I3", "I4", "I5", "I6a", "I6b", "I6c", "I6d", "I6e")
EXCLUSIONS = (
    *(f"E{n}" for n in range(7, 27)),
    "E27.1",
    "E27.2",
    "E27.3a",
    "E27.3b",
    "E27.4",
    "E27.5",
    "E27.6",
)
ELIGIBLE = {**dict.fromkeys(INCLUSIONS, "met"), **dict.fromkeys(EXCLUSIONS, "not_met")}
"""Every inclusion met and every exclusion not met."""
UNKNOWN = dict.fromkeys((*INCLUSIONS, *EXCLUSIONS), "unknown")

# Statements that, recorded as below, make the base patient eligible.
FINDINGS = {
    "attestation.sexually_active": False,
    "attestation.bone_disorder_other": False,
    "attestation.growth_retardation": False,
    "attestation.immunotherapy_other_than_mab_42d": False,
    "attestation.major_surgery_21d": False,
    "attestation.uncontrolled_infection": False,
    "attestation.unresolved_toxicity_grade2": False,
    "attestation.qtc_prolongation": False,
}
ATTESTATIONS = {
    "attestation.informed_consent": True,
    "attestation.consent_legal_representative": True,
    "attestation.assent": True,
    "attestation.molecular_profiling_available": True,
    "attestation.no_severe_concomitant_disease": True,
    "attestation.willing_able_to_comply": True,
    "attestation.no_grapefruit_72h": True,
    "attestation.no_other_investigational_agent": True,
    "attestation.treatment_history_reviewed": True,
    "attestation.problem_list_reviewed": True,
}
# Diagnoses ruled out at screening (recorded as refuted Conditions).
RULED_OUT = (
    "condition.malabsorption",
    "condition.pml",
    "condition.tuberculosis",
)
P2RY8_CRLF2_JAK2 = (
    (("gene.p2ry8", "gene.crlf2"), "fusion", None),
    (("gene.jak2",), "mutation", "p.Arg683Gly"),
)
Variant = tuple[tuple[str, ...], str, str | None]
Range = tuple[float, float]


def patient(
    pid: str,
    *,
    birth: str | None = "2014-03-10",
    sex: str = "male",
    disease: tuple[str, str] | None = ("condition.acute_lymphoblastic_leukaemia", "2019-05-01"),
    performance: tuple[tuple[str, float], ...] = (("assessment.lansky", 70),),
    creatinine: tuple[float, Range, str] | None = (0.5, (0.3, 0.7), LAB),
    height: float | None = 140,
    bilirubin: tuple[float, Range] | None = (0.2, (0.0, 0.3)),
    alt: tuple[float, Range] | None = (40, (5, 45)),
    ast: tuple[float, Range] | None = (45, (10, 50)),
    sf: float | None = 34,
    lvef: float | None = 62,
    ecg: tuple[float, float] | None = (380, 75),
    variants: tuple[Variant, ...] = P2RY8_CRLF2_JAK2,
    findings: dict[str, bool | None] | None = None,
    attestations: dict[str, bool | None] | None = None,
    ruled_out: tuple[str, ...] = RULED_OUT,
    prior_cytarabine: bool = True,
    allergies: tuple[str, ...] = (),
) -> BundleBuilder:
    """The base patient (eligible as written), with the parts a case changes.

    An override of ``None`` in ``findings`` / ``attestations`` leaves the
    statement unrecorded.
    """
    b = BundleBuilder(f"hem-ismart-c-{pid}", birth, sex)
    if disease is not None:
        b.condition(disease[0], disease[1])
    for key, level in performance:
        b.quantity(key, level, "1", PERF)
    if creatinine is not None:
        value, reference, when = creatinine
        b.quantity("lab.creatinine", value, "mg/dL", when, reference=reference)
    if height is not None:
        b.quantity("vital.height", height, "cm", LAB)
    for key, measured in (("lab.bilirubin_direct", bilirubin), ("lab.alt", alt), ("lab.ast", ast)):
        if measured is not None:
            unit = "mg/dL" if key == "lab.bilirubin_direct" else "U/L"
            b.quantity(key, measured[0], unit, LAB, reference=measured[1])
    if sf is not None:
        b.quantity("echo.shortening_fraction", sf, "%", ECHO)
    if lvef is not None:
        b.quantity("echo.lvef", lvef, "%", ECHO)
    if ecg is not None:
        b.quantity("ecg.qt_interval", ecg[0], "ms", ECG)
        b.quantity("vital.heart_rate", ecg[1], "/min", ECG)
    for genes, alteration, change in variants:
        b.variant(genes, alteration, PROFILED, protein_change=change)
    for key, value in {**FINDINGS, **(findings or {})}.items():
        if value is not None:
            b.flag(key, value, STATED)
    for key, value in {**ATTESTATIONS, **(attestations or {})}.items():
        if value is not None:
            b.flag(key, value, STATED)
    for key in ruled_out:
        b.condition(key, STATED, verification="refuted")
    # The drug-allergy history: the IPS "no known medication allergies", else the allergies.
    if not allergies:
        b.absence("absence.medication_allergies", STATED)
    for drug in allergies:
        b.allergy(drug, "2023-01-10")
    if prior_cytarabine:  # the relapse induction, long finished
        b.medication("drug.cytarabine", "2025-04-01", "2025-04-28")
    return b


def case(
    name: str, description: str, verdict: str, criteria: dict[str, str], b: BundleBuilder
) -> Case:
    """A case of this protocol at the index date."""
    return Case(PROTOCOL, name, description, AT, verdict, criteria, b.build())


def _eligible_base() -> Case:
    return case(
        "eligible-p2ry8-crlf2",
        "Eleven-year-old boy (born 2014-03-10), B-ALL first diagnosed 2019-05-01 at 5 years, "
        "relapsed with P2RY8::CRLF2 and JAK2 R683G (I5 met; no JAK1 F958/P960, JAK2 Y931C or "
        "BCL2 resistance mutation: E11, E12 not met). Lansky 70 (age 11 ≤ 12: Lansky) ≥ 50. "
        "Creatinine 0.5 mg/dL ≤ 1.5 × 0.7 = 1.05; direct bilirubin 0.2 ≤ 2 × 0.3 = 0.6; ALT 40 ≤ "
        "5 × 45 = 225, AST 45 ≤ 5 × 50 = 250 (all drawn 2025-06-14, inside 48 h). SF 34 % > 29 % "
        "(age ≥ 3), LVEF 62 %. QT 380 ms at 75/min: RR 0.8 s, 0.8^(1/3) = 0.9283, QTcF = 409 ms ≤ "
        "450, no arrhythmia. Consent by parents, assent, profiling attested. Male: pregnancy and "
        "breastfeeding not met; not sexually active. Cytarabine ended 2025-04-28 (> 7 days), no "
        "other drug or procedure, treatment history reviewed; exclusion diagnoses refuted or not "
        "known. Eligible.",
        "eligible",
        dict(ELIGIBLE),
        patient("eligible"),
    )


def _sparse() -> Case:
    b = BundleBuilder("hem-ismart-c-sparse", "2016-01-15", "female")
    b.condition("condition.acute_lymphoblastic_leukaemia", "2021-03-01")
    return case(
        "sparse-new-referral",
        "Nine-year-old girl just referred: only her birth date and ALL (first diagnosed "
        "2021-03-01 at 5 years) are recorded. I1 is met (≥ 12 months and ≤ 18 years at first "
        "diagnosis, 9 < 21 now). Everything else is unknown: no performance status, consent, "
        "molecular profile, laboratory values, echo or ECG; female, so childbearing potential, a "
        "pregnancy test and breastfeeding must be recorded; no exclusion finding or attestation; the "
        "treatment history is not attested complete, so no drug or procedure rule can be decided. "
        "The known-only diagnoses (hepatitis, HIV, Gilbert, GvHD, named bone disorders) are not "
        "met, but each criterion that holds them also has an open part (uncontrolled infection, "
        "transplant history, other bone disorders). Undetermined.",
        "undetermined",
        {**UNKNOWN, "I1": "met"},
        b,
    )


def _no_birth_date() -> Case:
    b = patient(
        "no-birth-date",
        birth=None,
        performance=(("assessment.karnofsky", 60), ("assessment.lansky", 70)),
        lvef=None,
    )
    return case(
        "no-birth-date",
        "The base patient without a birth date, with both Karnofsky 60 and Lansky 70 recorded "
        "and no LVEF. I1 unknown: neither the age at first diagnosis nor the age now can be "
        "computed. I2 met: whichever scale the (unknown) age calls for, the level is ≥ 50. I3 met: "
        "parents' consent and assent are recorded, which satisfies it at any age. I6d unknown: SF "
        "34 % is above 29 % but not above 35 %, and whether the child is under 3 years is "
        "unknown; no LVEF. Every other criterion as for the eligible base. Undetermined.",
        "undetermined",
        {**ELIGIBLE, "I1": "unknown", "I6d": "unknown"},
        b,
    )


def _infant_first_diagnosis() -> Case:
    b = patient(
        "infant-onset",
        birth="2012-01-10",
        disease=("condition.acute_lymphoblastic_leukaemia", "2012-09-20"),
        performance=(("assessment.karnofsky", 40), ("assessment.lansky", 80)),
        attestations={"attestation.assent": False},
    )
    return case(
        "infant-first-diagnosis",
        "Thirteen-year-old boy (born 2012-01-10) whose ALL was first diagnosed on 2012-09-20, "
        "aged 8 months: I1 not met (< 12 months at first diagnosis). Age 13 > 12: Karnofsky "
        "applies; Karnofsky 40 < 50, so I2 is not met (the Lansky 80 recorded the same day is "
        "the wrong scale for his age). A minor: parents consented but assent is recorded as not "
        "given, I3 not met. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I1": "not_met", "I2": "not_met", "I3": "not_met"},
        b,
    )


def _young_adult() -> Case:
    b = patient(
        "young-adult",
        birth="2006-02-01",
        disease=("condition.acute_lymphoblastic_leukaemia", "2021-01-10"),
        performance=(("assessment.karnofsky", 90),),
        creatinine=(1.2, (0.5, 0.7), LAB),
        height=175,
        findings={"attestation.sexually_active": True, "attestation.childbearing_potential": True},
        attestations={
            "attestation.consent_legal_representative": None,
            "attestation.assent": None,
            "attestation.contraception": False,
            "attestation.no_grapefruit_72h": False,
        },
    )
    return case(
        "young-adult-schwartz",
        "Nineteen-year-old man (born 2006-02-01), ALL first diagnosed 2021-01-10 at 14 years: I1 "
        "met (≤ 18 at diagnosis, 19 < 21 now). Karnofsky 90 (age > 12). He consented himself (an "
        "adult needs no parents' consent or assent): I3 met. Creatinine 1.2 mg/dL > 1.5 × 0.7 = "
        "1.05 (the laboratory's limit), but bedside Schwartz 0.413 × 175 / 1.2 = 60.2 ≥ 60 "
        "mL/min/1.73 m², with the creatinine of 2025-06-14 (inside 48 h): I6a met. A fertile man "
        "(of childbearing potential, CTFG 2020), sexually active and not willing to use "
        "contraception: E8 met. Ate grapefruit in the last 72 hours "
        "(attestation no): E19 met. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "E8": "met", "E19": "met"},
        b,
    )


def _organ_failure() -> Case:
    b = patient(
        "organ-failure",
        creatinine=(1.4, (0.3, 0.7), LAB),
        height=130,
        bilirubin=(1.0, (0.0, 0.3)),
        alt=(300, (5, 45)),
        ast=(60, (10, 50)),
        findings={"attestation.hepatic_dysfunction_disease_related": False},
    )
    return case(
        "renal-hepatic-impairment",
        "The base boy with impaired organ function on 2025-06-14. Creatinine 1.4 mg/dL > 1.5 × "
        "0.7 = 1.05 and bedside Schwartz 0.413 × 130 / 1.4 = 38.4 < 60: I6a not met. Direct "
        "bilirubin 1.0 mg/dL > 2 × 0.3 = 0.6, no Gilbert syndrome known: I6b not met. ALT 300 > 5 × "
        "45 = 225 (AST 60 ≤ 250), and the hepatic dysfunction is recorded as not related to the "
        "leukaemia, so the sponsor exception cannot apply: I6c not met. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I6a": "not_met", "I6b": "not_met", "I6c": "not_met"},
        b,
    )


def _gilbert_infiltration() -> Case:
    b = patient(
        "gilbert",
        creatinine=(0.5, (0.3, 0.7), "2025-06-11T08:00:00"),
        bilirubin=(0.8, (0.0, 0.3)),
        alt=(400, (5, 45)),
        findings={"attestation.hepatic_dysfunction_disease_related": True},
    )
    b.condition("condition.gilbert_syndrome", "2020-01-01")
    return case(
        "gilbert-hepatic-infiltration",
        "The base boy with Gilbert syndrome and leukaemic liver infiltration. Direct bilirubin 0.8 "
        "mg/dL: above 2 × 0.3 = 0.6 but ≤ 3 × 0.3 = 0.9, allowed with Gilbert syndrome: I6b met. "
        "ALT 400 > 5 × 45 = 225; the dysfunction is recorded as disease-related but the sponsor "
        "has not yet confirmed eligibility: I6c unknown. The last creatinine (0.5 mg/dL, normal) "
        "was drawn on 2025-06-11, four days before C1D1: none within 48 hours, so I6a is unknown "
        "(the eGFR of that older value, 0.413 × 140 / 0.5 = 116, does not replace the 48-hour "
        "assessment). Undetermined.",
        "undetermined",
        {**ELIGIBLE, "I6a": "unknown", "I6c": "unknown"},
        b,
    )


def _toddler_cardiac() -> Case:
    b = patient(
        "toddler",
        birth="2023-01-10",
        disease=("condition.acute_lymphoblastic_leukaemia", "2024-03-01"),
        performance=(("assessment.lansky", 60),),
        creatinine=(0.25, (0.1, 0.4), LAB),
        height=88,
        sf=33,
        lvef=48,
        ecg=(440, 100),
    )
    return case(
        "toddler-cardiotoxicity",
        "Two-year-old boy (born 2023-01-10), ALL first diagnosed 2024-03-01 at 13 months (I1 "
        "met). After anthracyclines: SF 33 % is not above 35 %, the limit under 3 years, and LVEF "
        "48 % < 50 %: I6d not met. ECG QT 440 ms at 100/min: RR 0.6 s, 0.6^(1/3) = 0.8434, QTcF = "
        "521.7 ms > 450: I6e not met. Lansky 60, creatinine 0.25 ≤ 1.5 × 0.4. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I6d": "not_met", "I6e": "not_met"},
        b,
    )


def _no_pathway() -> Case:
    b = patient(
        "no-pathway",
        variants=((("gene.ddx3x",), "mutation", "p.Arg475Cys"),),
        attestations={"attestation.molecular_profiling_available": False},
    )
    return case(
        "no-pathway-alteration",
        "The base boy whose relapse profile shows only a DDX3X missense mutation (no USP9X "
        "fusion): no IL7R/JAK-STAT alteration of the list, I5 not met; the profile exists, so the "
        "resistance exclusions E11 and E12 are not met. The team records that the full molecular "
        "and flow-cytometric work-up of the relapse is not available: I4 not met. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I4": "not_met", "I5": "not_met"},
        b,
    )


def _resistant() -> Case:
    b = patient(
        "resistant",
        birth="2011-04-02",
        sex="female",
        disease=("condition.acute_lymphoblastic_leukaemia", "2018-06-01"),
        performance=(("assessment.karnofsky", 70),),
        variants=(
            (("gene.crlf2",), "overexpression", None),
            (("gene.jak2",), "mutation", "p.Tyr931Cys"),
            (("gene.bcl2",), "mutation", "p.Phe104Leu"),
        ),
        findings={"attestation.childbearing_potential": True},
        attestations={"attestation.no_prior_ruxolitinib_venetoclax_combination": False},
    )
    b.flag("lab.hcg", False, "2025-06-12")
    b.condition("condition.breastfeeding", STATED, verification="refuted")
    b.medication("drug.ruxolitinib", "2024-09-01", "2024-12-01")
    b.medication("drug.venetoclax", "2024-09-01", "2024-12-01")
    b.medication("drug.itraconazole", "2025-06-01")
    return case(
        "resistant-relapse",
        "Fourteen-year-old girl (born 2011-04-02), ALL since 2018-06-01, relapsing after "
        "ruxolitinib and venetoclax given together (Sept-Dec 2024; the combination is attested): "
        "E17 met. CRLF2 overexpression meets I5, but JAK2 Y931C (E11) and BCL2 F104L (E12) confer "
        "resistance. On itraconazole since 2025-06-01 (a strong CYP3A4 and P-gp inhibitor, in use "
        "at C1D1): E18 met. Of childbearing potential, negative pregnancy test on 2025-06-12 "
        "(within 7 days) and no known pregnancy: E7 not met; breastfeeding ruled out: E9 not met. Karnofsky 70 (age 14). Ineligible.",
        "ineligible",
        {**ELIGIBLE, "E11": "met", "E12": "met", "E17": "met", "E18": "met"},
        b,
    )


def _pregnant() -> Case:
    b = patient(
        "pregnant",
        birth="2009-03-03",
        sex="female",
        disease=("condition.acute_lymphoblastic_leukaemia", "2022-05-01"),
        performance=(("assessment.karnofsky", 80),),
        findings={
            "attestation.childbearing_potential": True,
            "attestation.sexually_active": True,
        },
        attestations={"attestation.contraception": False},
        ruled_out=tuple(k for k in RULED_OUT if k != "condition.malabsorption"),
        allergies=("drug.cytarabine",),
    )
    b.condition("condition.pregnancy", "2025-05-20")
    b.flag("lab.hcg", True, "2025-06-12")
    b.condition("condition.breastfeeding", STATED, verification="refuted")
    b.condition("condition.malabsorption", "2025-03-01")
    return case(
        "pregnant-adolescent",
        "Sixteen-year-old girl (born 2009-03-03), ALL since 2022-05-01 (age 13), Karnofsky 80. Of "
        "childbearing potential, pregnant, positive hCG on 2025-06-12: E7 met. Sexually active and not willing to use "
        "contraception: E8 met. Not breastfeeding (refuted): E9 not met. Malabsorption with "
        "oral IMPs: E10 met. Known hypersensitivity to cytarabine (an AllergyIntolerance, "
        "RxNorm): E13 met. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "E7": "met", "E8": "met", "E10": "met", "E13": "met"},
        b,
    )


def _early_post_transplant() -> Case:
    b = patient(
        "early-hsct",
        birth="2013-02-01",
        disease=("condition.acute_lymphoblastic_leukaemia", "2019-01-05"),
        attestations={"attestation.no_gvhd_prophylaxis_or_treatment": False},
    )
    b.procedure("procedure.hsct_allogeneic", "2025-04-01")
    b.condition("condition.gvhd_acute", "2025-05-01")
    b.medication("drug.tacrolimus", "2025-04-01", "2025-06-01")
    return case(
        "early-relapse-after-allograft",
        "Twelve-year-old boy (born 2013-02-01; Lansky applies at 12) relapsing 10 weeks after an "
        "allogeneic HSCT on 2025-04-01: within 3 months of C1D1 (since 2025-03-15), E27.3b met. "
        "Active acute GvHD since 2025-05-01 and still on GvHD treatment: E21 met. Tacrolimus "
        "until 2025-06-01, within one month of study entry (since 2025-05-15): E22 met. "
        "Ineligible.",
        "ineligible",
        {**ELIGIBLE, "E21": "met", "E22": "met", "E27.3b": "met"},
        b,
    )


def _late_post_transplant() -> Case:
    b = patient(
        "late-hsct",
        birth="2015-01-20",
        sex="female",
        disease=("condition.acute_lymphoblastic_leukaemia", "2020-02-01"),
        performance=(("assessment.lansky", 80),),
        variants=(
            (("gene.il7r",), "mutation", "p.Leu242_Leu243insCysPro"),
            (("gene.sh2b3",), "deletion", None),
        ),
        findings={
            "attestation.childbearing_potential": False,
            "attestation.gvhd_chronic_moderate_severe": False,
        },
        attestations={"attestation.no_gvhd_prophylaxis_or_treatment": True},
    )
    b.procedure("procedure.hsct_allogeneic", "2024-06-01")
    b.condition("condition.gvhd_chronic", "2024-11-01")
    b.medication("drug.ciclosporin", "2024-06-01", "2025-04-01")
    b.medication("drug.blinatumomab", "2025-05-16", "2025-06-13T12:00:00")
    return case(
        "late-relapse-after-allograft",
        "Ten-year-old girl (born 2015-01-20), T-ALL with IL7R insertion and SH2B3 deletion (I5), "
        "relapsing a year after an allogeneic HSCT (2024-06-01, > 3 months: E27.3b not met). Mild "
        "chronic GvHD (NIH mild, i.e. below grade 2), no acute GvHD, no GvHD agent any more "
        "(ciclosporin stopped 2025-04-01, before 2025-05-15): E21 and E22 not met. Blinatumomab "
        "infusion ended 2025-06-13 12:00, 60 hours before the end of C1D1; 5 half-lives of 2.1 h = "
        "10.5 h is shorter than 21 days, so the wash-out is over: E27.5 not met. Premenarchal (not "
        "of childbearing potential): E7 and E9 not met. Eligible.",
        "eligible",
        dict(ELIGIBLE),
        b,
    )


def _recent_therapies() -> Case:
    b = patient("recent-therapy", findings={"attestation.major_surgery_21d": True})
    b.medication("drug.vincristine", "2025-06-12", "2025-06-12", route="route.intravenous")
    b.medication("drug.dexamethasone", "2025-06-01", route="route.oral")
    b.procedure("procedure.radiotherapy", "2025-06-01")
    b.procedure("procedure.hsct_autologous", "2025-05-01")
    b.procedure("procedure.car_t_therapy", "2025-05-20")
    b.medication("drug.inotuzumab_ozogamicin", "2025-06-01", "2025-06-01")
    return case(
        "recent-therapies",
        "The base boy with every wash-out still running. Vincristine on 2025-06-12 (< 7 days) and "
        "dexamethasone ongoing (steroids must stop 48 h before): E27.1 met. Dexamethasone is a "
        "moderate CYP3A4 inducer but a study drug, so it is not a prohibited medication: E18 not "
        "met. Non-palliative radiotherapy 2025-06-01 (< 21 days): E27.2 met. Autologous HSCT "
        "2025-05-01 (after 2025-04-15, < 2 months): E27.3a met. CAR-T 2025-05-20 (< 42 days): E27.4 "
        "met. Inotuzumab ozogamicin 2025-06-01: 5 × 12.3 days = 61.5 days, so the 21-day limit "
        "applies, and 14 days have passed: E27.5 met. Major surgery on 2025-06-05 (< 21 days), as "
        "the investigator states it (attestation.major_surgery_21d): E27.6 met. Ineligible.",
        "ineligible",
        {
            **ELIGIBLE,
            "E27.1": "met",
            "E27.2": "met",
            "E27.3a": "met",
            "E27.4": "met",
            "E27.5": "met",
            "E27.6": "met",
        },
        b,
    )


def _washout_edges() -> Case:
    b = patient("washout-edges")
    b.medication("drug.methotrexate", "2025-03-01", "2025-06-11", route="route.oral")
    b.medication("drug.mercaptopurine", "2025-03-01", "2025-06-11", route="route.oral")
    b.medication("drug.prednisolone", "2025-05-20", "2025-06-12", route="route.oral")
    b.medication(
        "drug.methotrexate",
        "2025-06-14T09:00:00",
        kind="MedicationAdministration",
        route="route.intrathecal",
    )
    b.procedure("procedure.intrathecal_therapy", "2025-06-14")
    b.procedure("procedure.radiotherapy_palliative", "2025-06-10")
    b.procedure("procedure.gastrostomy", "2025-06-05")
    b.procedure("procedure.tumour_biopsy", "2025-06-03")
    b.procedure("procedure.hsct_autologous", "2025-03-01")
    b.procedure("procedure.car_t_therapy", "2025-04-15")
    b.medication("drug.tisagenlecleucel", "2025-04-15", "2025-04-15")
    b.medication("drug.gemtuzumab_ozogamicin", "2025-06-05", "2025-06-05")
    return case(
        "washout-edges",
        "The base boy with wash-outs that are just over, or allowed. Oral methotrexate and "
        "mercaptopurine maintenance stopped 2025-06-11 and prednisolone 2025-06-12, all before "
        "2025-06-13 23:59 (more than 48 hours), all oral (dosage.route); intrathecal "
        "methotrexate and intrathecal therapy the day before are allowed at any time: E27.1 not "
        "met. Palliative radiotherapy "
        "2025-06-10 is allowed: E27.2 not met. Autologous HSCT 2025-03-01 is more than 2 months "
        "ago: E27.3a not met. CAR-T (tisagenlecleucel) 2025-04-15 is 61 days ago (> 42): E27.4 not "
        "met. Gastrostomy and tumour biopsy are not major surgery: E27.6 not met. Gemtuzumab "
        "ozogamicin on 2025-06-05 (10 days ago): no cited half-life, so whether 5 half-lives "
        "(possibly shorter than 21 days) have passed is unknown: E27.5 unknown. Undetermined.",
        "undetermined",
        {**ELIGIBLE, "E27.5": "unknown"},
        b,
    )


def _adolescent_mother() -> Case:
    b = patient(
        "adolescent-mother",
        birth="2008-01-05",
        sex="female",
        disease=("condition.acute_lymphoblastic_leukaemia", "2023-02-01"),
        performance=(("assessment.karnofsky", 70),),
        findings={"attestation.childbearing_potential": True, "attestation.sexually_active": True},
        attestations={"attestation.contraception": True},
        ruled_out=tuple(k for k in RULED_OUT if k != "condition.tuberculosis"),
    )
    b.flag("lab.hcg", False, "2025-06-12")
    b.condition("condition.breastfeeding", "2025-03-01")
    b.condition("condition.tuberculosis", "2025-05-01")
    b.condition("condition.hiv_infection", "2023-01-01")
    return case(
        "adolescent-mother-tuberculosis",
        "Seventeen-year-old mother (born 2008-01-05), ALL since 2023-02-01 (age 15), Karnofsky 70. "
        "Negative pregnancy test on 2025-06-12 (within 7 days), no known pregnancy: E7 not met. Sexually active but "
        "willing to use contraception: E8 not met. Breastfeeding her baby: E9 met. Known HIV "
        "infection: E14 met. Active tuberculosis diagnosed 2025-05-01: E26 met. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "E9": "met", "E14": "met", "E26": "met"},
        b,
    )


def _comorbid_history() -> Case:
    b = patient(
        "comorbid",
        findings={
            "attestation.unresolved_toxicity_grade2": True,
            "attestation.growth_retardation": True,
        },
        attestations={
            "attestation.no_severe_concomitant_disease": False,
            "attestation.willing_able_to_comply": False,
        },
        ruled_out=(
            "condition.malabsorption",
            "condition.tuberculosis",
        ),
    )
    b.condition("condition.osteopenia", "2018-01-01")
    b.condition("condition.pml", "2024-01-01", "2024-09-01")
    return case(
        "comorbid-history",
        "The base boy with a heavy history: osteopenia since 2018-01-01, before the leukaemia "
        "(2019-05-01): E23 met. PML in 2024 (resolved; a history counts): E24 met. Growth "
        "retardation of endocrine cause before the leukaemia, attested by the investigator: E25 met. Grade 2 neuropathy from vincristine "
        "judged clinically relevant: E20 met. Severe concomitant disease and unwilling to comply "
        "(both attested): E15 and E16 met. Ineligible.",
        "ineligible",
        {
            **ELIGIBLE,
            "E15": "met",
            "E16": "met",
            "E20": "met",
            "E23": "met",
            "E24": "met",
            "E25": "met",
        },
        b,
    )


def _cases() -> list[Case]:
    return [
        _eligible_base(),
        _sparse(),
        _no_birth_date(),
        _infant_first_diagnosis(),
        _young_adult(),
        _organ_failure(),
        _gilbert_infiltration(),
        _toddler_cardiac(),
        _no_pathway(),
        _resistant(),
        _pregnant(),
        _early_post_transplant(),
        _late_post_transplant(),
        _recent_therapies(),
        _washout_edges(),
        _adolescent_mother(),
        _comorbid_history(),
    ]


CASES: list[Case] = _cases()
