"""Golden screening cases for ``c-hlh`` (seed 003, NCT02472054), written by hand.

The criteria are the registry record's inclusion criteria (the seed has none);
its exclusion criteria could not be read and are not encoded (see the protocol
notes). Every expected status was worked out from the criteria as the protocol
file encodes them and from the published thresholds (Henter 2007 Table I,
fever ≥ 38.5 °C after Jordan 2011), not from trialkit's output; each case's
description shows the arithmetic that decides it.

Index date 2025-06-15 (end of day). The HLH work-up is charted at 08:00 the day
before; the team's statements are recorded that evening.
"""

from __future__ import annotations

from protocol.golden.case import Case
from trialkit.testing import BundleBuilder

PROTOCOL = "c-hlh"
AT = "2025-06-15"
DAY = "2025-06-14T08:00:00"  # work-up
SCREENING = "2025-06-14T18:00:00"  # team statements

CRITERIA = tuple(f"I{n}" for n in range(1, 7))
ELIGIBLE = dict.fromkeys(CRITERIA, "met")
"""Every (inclusion) criterion met."""


def _workup(
    b: BundleBuilder,
    *,
    temperature: float | None = 39.4,
    fever: bool | None = None,
    spleen: bool | None = True,
    haemoglobin: float | None = 76,
    platelets: float | None = 41,
    neutrophils: float | None = 0.5,
    triglycerides: float | None = 3.9,
    fibrinogen: float | None = 0.9,
    haemophagocytosis: bool | None = True,
    nk_low: bool | None = True,
    ferritin: float | None = 6200,
    scd25: float | None = 9800,
    activated_t: bool | None = None,
) -> None:
    """The HLH work-up charted on DAY; ``None`` leaves an item out.

    Defaults, by hand (all eight criteria met): temperature 39.4 ≥ 38.5 °C;
    splenomegaly; Hb 76 < 90 g/L, platelets 41 < 100, ANC 0.5 < 1.0 (×10⁹/L);
    TG 3.9 ≥ 3.0 mmol/L; fibrinogen 0.9 ≤ 1.5 g/L; haemophagocytosis; low NK
    function; ferritin 6200 ≥ 500 µg/L; sCD25 9800 ≥ 2400 U/mL.
    """
    if temperature is not None:
        b.quantity("vital.temperature", temperature, "Cel", DAY)
    if fever is not None:
        b.flag("finding.fever", fever, DAY)
    if spleen is not None:
        b.flag("finding.splenomegaly", spleen, DAY)
    if haemoglobin is not None:
        b.quantity("lab.haemoglobin", haemoglobin, "g/L", DAY)
    if platelets is not None:
        b.quantity("lab.platelets", platelets, "10*9/L", DAY)
    if neutrophils is not None:
        b.quantity("lab.neutrophils", neutrophils, "10*9/L", DAY)
    if triglycerides is not None:
        b.quantity("lab.triglycerides", triglycerides, "mmol/L", DAY)
    if fibrinogen is not None:
        b.quantity("lab.fibrinogen", fibrinogen, "g/L", DAY)
    if haemophagocytosis is not None:
        b.flag("finding.haemophagocytosis", haemophagocytosis, DAY)
    if nk_low is not None:
        # The laboratory's reading and its number: 4 % or 45 % of the laboratory standard
        # (the registry's criterion is < 10 %).
        b.flag("finding.nk_activity_low", nk_low, DAY)
        b.quantity("lab.nk_cell_activity", 4.0 if nk_low else 45.0, "%", DAY)
    if ferritin is not None:
        b.quantity("lab.ferritin", ferritin, "ug/L", DAY)
    if scd25 is not None:
        b.quantity("lab.scd25", scd25, "U/mL", DAY)
    if activated_t is not None:
        b.flag("attestation.activated_t_cells_hla_dr", activated_t, DAY)


def _team(
    b: BundleBuilder,
    *,
    childbearing: bool = False,
    contraception: bool | None = None,
    consent: bool = True,
    parents: bool = True,
    insurance: bool = True,
    untreated: bool | None = True,
    reviewed: bool = True,
) -> None:
    """The team's statements at screening; ``None`` leaves the statement out."""
    b.flag("attestation.childbearing_potential", childbearing, SCREENING)
    if contraception is not None:
        b.flag("attestation.contraception", contraception, SCREENING)
    b.flag("attestation.informed_consent", consent, SCREENING)
    b.flag("attestation.consent_legal_representative", parents, SCREENING)
    b.flag("attestation.health_insurance", insurance, SCREENING)
    if untreated is not None:
        b.flag("attestation.no_prior_hlh_specific_treatment", untreated, SCREENING)
    if reviewed:
        b.flag("attestation.treatment_history_reviewed", True, SCREENING)
        b.flag("attestation.problem_list_reviewed", True, SCREENING)


def _case(
    name: str, description: str, verdict: str, criteria: dict[str, str], b: BundleBuilder
) -> Case:
    return Case(PROTOCOL, name, description, AT, verdict, criteria, b.build())


def eligible_unc13d_infant() -> Case:
    b = BundleBuilder("c-hlh-unc13d", "2025-02-11", "female")
    b.condition("condition.hlh_primary", "2025-06-10")
    b.variant(("gene.unc13d",), "mutation", "2025-06-10", protein_change="p.Arg214Ter")
    _workup(b)
    _team(b)
    return _case(
        "eligible-unc13d-infant",
        "Four-month-old girl with familial HLH (UNC13D, recorded as primary HLH) and a full "
        "work-up (8/8), first episode, untreated (history attested complete), parents "
        "consented, insured, not of reproductive age. Every criterion met. Eligible.",
        "eligible",
        dict(ELIGIBLE),
        b,
    )


def eligible_criteria_route_on_steroids() -> Case:
    b = BundleBuilder("c-hlh-on-steroids", "2023-03-01", "male")
    _workup(
        b,
        temperature=38.9,
        haemoglobin=78,
        platelets=60,
        neutrophils=1.4,
        triglycerides=2.1,
        fibrinogen=1.2,
        haemophagocytosis=False,
        nk_low=False,
        ferritin=1800,
        scd25=None,
    )
    b.medication("drug.methylprednisolone", "2025-06-10")
    b.medication("drug.ciclosporin", "2025-06-12")
    _team(b)
    return _case(
        "eligible-criteria-route-on-steroids",
        "Two-year-old boy, genetics pending (route 1 unknown), already on methylprednisolone "
        "(since 10 June) and ciclosporin (since 12 June), which the criterion allows. Exactly "
        "5 criteria: fever 38.9 ≥ 38.5; splenomegaly; Hb 78 < 90 g/L and platelets 60 < 100 "
        "(ANC 1.4 not low); fibrinogen 1.2 ≤ 1.5 g/L (TG 2.1 < 3.0); ferritin 1800 ≥ 500; "
        "haemophagocytosis and NK not abnormal, sCD25 not done → 5, I2 met. No HLH-directed "
        "agent recorded, history complete → I3 met. Eligible.",
        "eligible",
        dict(ELIGIBLE),
        b,
    )


def eligible_activated_t_cells() -> Case:
    b = BundleBuilder("c-hlh-activated-t", "2016-04-04", "female")
    b.flag("finding.family_history_hlh", False, DAY)
    _workup(
        b,
        temperature=None,
        fever=True,
        haemoglobin=85,
        platelets=130,
        neutrophils=0.7,
        triglycerides=2.0,
        fibrinogen=2.5,
        haemophagocytosis=None,
        nk_low=None,
        ferritin=900,
        scd25=2000,
        activated_t=True,
    )
    _team(b)
    return _case(
        "eligible-activated-t-cells",
        "Nine-year-old girl, no family history, genetics pending (route 1 unknown). Fever "
        "recorded; splenomegaly; Hb 85 < 90 g/L and ANC 0.7 < 1.0 (platelets 130 not low); "
        "TG 2.0 < 3.0 and fibrinogen 2.5 > 1.5 (not met); haemophagocytosis and NK not done; "
        "ferritin 900 ≥ 500; sCD25 2000 < 2400 but activated T cells in the immune "
        "phenotyping → criterion 8 met → 5, I2 met. Eligible.",
        "eligible",
        dict(ELIGIBLE),
        b,
    )


def ineligible_relapse_after_etoposide() -> Case:
    b = BundleBuilder("c-hlh-relapse", "2022-01-20", "male")
    b.condition("condition.hlh_primary", "2023-02-01")
    _workup(b)
    b.medication("drug.etoposide", "2023-02-03", "2023-04-01", status="completed")
    b.medication("drug.antithymocyte_globulin", "2025-06-01", "2025-06-05", status="completed")
    _team(b, untreated=False)
    return _case(
        "ineligible-relapse-after-etoposide",
        "Three-year-old boy with familial HLH diagnosed in 2023, treated with etoposide then, "
        "now relapsing after ATG (1-5 June): not a first episode without prior specific "
        "treatment (team states prior treatment; etoposide and ATG recorded) → I3 not met. "
        "Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I3": "not_met"},
        b,
    )


def ineligible_age_18() -> Case:
    b = BundleBuilder("c-hlh-age-18", "2007-06-15", "male")
    b.condition("condition.hlh_primary", "2025-06-10")
    _workup(b)
    _team(b, childbearing=True, contraception=True, parents=False)
    return _case(
        "ineligible-age-18",
        "A young man who turns 18 on the index date (born 15 June 2007): I1 not met (< 18 "
        "years). He consented himself; no holder of parental authority signed (he is of age) "
        "→ I5 not met. Contraception agreed (I6 met). Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I1": "not_met", "I5": "not_met"},
        b,
    )


def undetermined_awaiting_genetics() -> Case:
    b = BundleBuilder("c-hlh-pending", "2016-01-05", "female")
    b.quantity("vital.temperature", 38.7, "Cel", DAY)
    b.quantity("lab.ferritin", 1200, "ug/L", DAY)
    return _case(
        "undetermined-awaiting-genetics",
        "Nine-year-old girl with suspected familial HLH: fever 38.7 and ferritin 1200 ≥ 500 "
        "(2 criteria), the rest of the work-up, genetics, NK function, treatment history and "
        "consent pending. I1 met (9 y); her childbearing potential is not assessed and she is "
        "past the age (8) before which puberty is precocious, so I6 is unknown; I2 to I5 "
        "unknown. Undetermined.",
        "undetermined",
        {**dict.fromkeys(CRITERIA, "unknown"), "I1": "met"},
        b,
    )


def ineligible_no_hlh() -> Case:
    b = BundleBuilder("c-hlh-no-hlh", "2019-02-02", "male")
    b.condition("condition.hlh_primary", SCREENING, verification="refuted")
    b.flag("finding.family_history_hlh", False, DAY)
    _workup(
        b,
        temperature=38.0,
        fever=False,
        spleen=False,
        haemoglobin=112,
        platelets=210,
        neutrophils=2.6,
        triglycerides=1.4,
        fibrinogen=3.2,
        haemophagocytosis=False,
        nk_low=False,
        ferritin=310,
        scd25=1100,
        activated_t=False,
    )
    _team(b)
    return _case(
        "ineligible-no-hlh",
        "Six-year-old boy: familial HLH ruled out, no family history; temperature 38.0 < 38.5 "
        "and no fever, no splenomegaly, Hb 112, platelets 210, ANC 2.6, TG 1.4, fibrinogen "
        "3.2, no haemophagocytosis, NK normal, ferritin 310, sCD25 1100, no activated T cells "
        "→ 0 of 8. I2 not met. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I2": "not_met"},
        b,
    )


def ineligible_no_consent_no_insurance() -> Case:
    b = BundleBuilder("c-hlh-no-consent", "2024-05-30", "female")
    b.condition("condition.hlh_primary", "2025-06-09")
    _workup(b)
    _team(b, consent=False, parents=False, insurance=False)
    return _case(
        "ineligible-no-consent-no-insurance",
        "One-year-old girl with familial HLH whose parents do not sign the consent (I5 not "
        "met) and who has no health insurance (I4 not met). Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I4": "not_met", "I5": "not_met"},
        b,
    )


def ineligible_no_contraception() -> Case:
    b = BundleBuilder("c-hlh-no-contraception", "2010-01-12", "female")
    b.condition("condition.hlh_primary", "2025-06-08")
    _workup(b)
    _team(b, childbearing=True, contraception=False)
    return _case(
        "ineligible-no-contraception",
        "Fifteen-year-old girl with familial HLH, of reproductive age, not willing to take "
        "reliable contraception until 6 months after treatment → I6 not met. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I6": "not_met"},
        b,
    )


def undetermined_no_birth_date() -> Case:
    b = BundleBuilder("c-hlh-no-birth-date", None, "male")
    b.condition("condition.hlh_primary", "2025-06-11")
    _workup(b)
    _team(b)
    return _case(
        "undetermined-no-birth-date",
        "A boy with familial HLH, everything in order except that the record has no birth "
        "date: I1 unknown. Undetermined.",
        "undetermined",
        {**ELIGIBLE, "I1": "unknown"},
        b,
    )


def eligible_neonate_haemoglobin() -> Case:
    b = BundleBuilder("c-hlh-neonate", "2025-05-25", "male")
    b.flag("finding.family_history_hlh", False, DAY)
    _workup(
        b,
        temperature=None,
        fever=True,
        haemoglobin=95,
        platelets=120,
        neutrophils=0.8,
        triglycerides=3.2,
        fibrinogen=2.0,
        haemophagocytosis=False,
        nk_low=False,
        ferritin=700,
        scd25=1500,
        activated_t=False,
    )
    _team(b)
    return _case(
        "eligible-neonate-haemoglobin",
        "Three-week-old boy (21 days), no family history, genetics pending (route 1 unknown). "
        "Fever recorded; splenomegaly; cytopenias: Hb 95 g/L < 100 (Henter's limit for "
        "infants < 4 weeks; the registry's abridged '< 9.0 g/dl' would not count it) and ANC "
        "0.8 < 1.0 (platelets 120 not low); TG 3.2 ≥ 3.0; no haemophagocytosis, NK normal; "
        "ferritin 700 ≥ 500; sCD25 1500 < 2400, no activated T cells → 5, I2 met (4 and "
        "unknown under the registry's wording). Eligible.",
        "eligible",
        dict(ELIGIBLE),
        b,
    )


def ineligible_prior_ruxolitinib() -> Case:
    b = BundleBuilder("c-hlh-prior-ruxolitinib", "2020-08-08", "female")
    b.condition("condition.hlh_primary", "2025-04-28")
    _workup(b)
    b.medication("drug.ruxolitinib", "2025-05-01", "2025-05-20", status="completed")
    _team(b, untreated=None, reviewed=False)
    return _case(
        "ineligible-prior-ruxolitinib",
        "Four-year-old girl with familial HLH who received ruxolitinib (a JAK inhibitor) "
        "from 1 to 20 May; the team has not yet stated the treatment history, but the "
        "recorded exposure is enough: I3 not met. Ineligible.",
        "ineligible",
        {**ELIGIBLE, "I3": "not_met"},
        b,
    )


def undetermined_history_not_reviewed() -> Case:
    b = BundleBuilder("c-hlh-history-open", "2018-03-09", "male")
    b.condition("condition.hlh_primary", "2025-06-12")
    _workup(b)
    _team(b, reviewed=False)
    return _case(
        "undetermined-history-not-reviewed",
        "Seven-year-old boy with familial HLH; the team states no prior specific treatment "
        "but the treatment history is not attested complete, so the absence of etoposide, "
        "ATG, alemtuzumab, emapalumab or JAK inhibitors cannot be read as none → I3 unknown. "
        "Undetermined.",
        "undetermined",
        {**ELIGIBLE, "I3": "unknown"},
        b,
    )


CASES = [
    eligible_unc13d_infant(),
    eligible_criteria_route_on_steroids(),
    eligible_activated_t_cells(),
    ineligible_relapse_after_etoposide(),
    ineligible_age_18(),
    undetermined_awaiting_genetics(),
    ineligible_no_hlh(),
    ineligible_no_consent_no_insurance(),
    ineligible_no_contraception(),
    undetermined_no_birth_date(),
    eligible_neonate_haemoglobin(),
    ineligible_prior_ruxolitinib(),
    undetermined_history_not_reviewed(),
]
