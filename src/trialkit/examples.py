"""Synthetic example patients for the five seed studies (made by the project, no real data).

For each protocol there is a patient meant to be eligible, one meant not to be,
and one with missing data, written with :class:`trialkit.testing.BundleBuilder`.
``examples/*.json`` at the repository root are these bundles written out (a
test keeps them equal); ``trialkit demo`` scores :data:`DEMO`.

Protocol ids: ``r-hlh`` (seed 000), ``jak-hs-icu`` (001), ``rux-hlh-salvage``
(002), ``c-hlh`` (003), ``hem-ismart-c`` (004). The intended verdicts are the
authors' reading of the seed criteria; the protocol files of the screening
issue will check them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trialkit.testing import BundleBuilder

__all__ = ["DEMO", "EXAMPLES", "INDEX_DATE", "example", "write_examples"]

INDEX_DATE = "2025-06-15"
DAY = "2025-06-14T08:00:00"
ICU_MORNING = "2025-06-15T06:00:00"  # SOFA reads the 24 h before the index time
Bundle = dict[str, Any]


def _hlh_labs(b: BundleBuilder, when: str = DAY, *, infant: bool = False) -> None:
    b.quantity("vital.temperature", 39.6, "Cel", when)
    b.flag("finding.splenomegaly", True, when)
    b.flag("finding.hepatomegaly", True, when)
    b.quantity("lab.haemoglobin", 7.4 if infant else 8.1, "g/dL", when, reference=(10.5, 13.5))
    b.quantity("lab.platelets", 38000, "/uL", when, reference=(150000, 450000))
    b.quantity("lab.neutrophils", 0.6, "10*9/L", when, reference=(1.5, 8.5))
    b.quantity("lab.leukocytes", 1.9, "10*9/L", when, reference=(4.0, 12.0))
    b.quantity("lab.triglycerides", 342, "mg/dL", when)
    b.quantity("lab.fibrinogen", 1.1, "g/L", when, reference=(2.0, 4.0))
    b.quantity("lab.ferritin", 8450, "ng/mL", when, reference=(20, 200))
    b.quantity("lab.scd25", 11200, "U/mL", when)
    b.quantity("lab.ast", 186, "U/L", when, reference=(10, 45))
    b.quantity("lab.alt", 142, "U/L", when, reference=(5, 40))
    b.quantity("lab.bilirubin_total", 2.1, "mg/dL", when, reference=(0.1, 1.2))
    b.quantity("lab.creatinine", 0.3, "mg/dL", when, reference=(0.2, 0.5))


def _checklist(
    b: BundleBuilder,
    when: str,
    *,
    attested: tuple[str, ...] = (),
    absent: tuple[str, ...] = (),
    ruled_out: tuple[str, ...] = (),
) -> None:
    """The screening check-list a site completes: statements, absent findings, ruled-out diagnoses."""
    for key in attested:
        b.flag(key, True, when)
    for key in absent:
        b.flag(key, False, when)
    for key in ruled_out:
        b.condition(key, when, verification="refuted")


def r_hlh_eligible() -> Bundle:
    """Seven-month-old with PRF1 mutation and active HLH, untreated, consented."""
    b = BundleBuilder("r-hlh-eligible", "2024-11-10", "male")
    _hlh_labs(b, infant=True)
    b.flag("finding.haemophagocytosis", True, DAY)
    b.flag("finding.nk_activity_low", True, DAY)
    b.variant(("gene.prf1",), "mutation", "2025-06-12", protein_change="p.Arg54Cys")
    b.quantity("vital.height", 67, "cm", DAY)
    b.quantity("vital.weight", 7.6, "kg", DAY)
    b.flag("attestation.informed_consent", True, "2025-06-14")
    b.flag("attestation.consent_legal_representative", True, "2025-06-14")
    b.flag("attestation.health_insurance", True, "2025-06-14")
    _checklist(
        b,
        "2025-06-14",
        attested=(
            "attestation.no_prior_hlh_specific_treatment",
            "attestation.treatment_history_reviewed",
            "attestation.problem_list_reviewed",
            "attestation.no_other_investigational_agent",
            "attestation.oral_or_ng_administration_possible",
        ),
        absent=(
            "attestation.childbearing_potential",
            "attestation.infection_other_than_hlh_trigger",
            "attestation.hepatic_failure_grade4",
            "attestation.isolated_cns_hlh",
        ),
        ruled_out=(
            "condition.hypersensitivity_ruxolitinib",
            "condition.hypersensitivity_ruxolitinib_excipients",
            "condition.hypersensitivity_methylprednisolone_prednisolone",
            "condition.tuberculosis",
            "condition.rheumatologic_disorder",
            "condition.malignancy",
        ),
    )
    return b.build()


def r_hlh_ineligible() -> Bundle:
    """Ten-year-old already treated with etoposide (HLH-94) and with active tuberculosis."""
    b = BundleBuilder("r-hlh-ineligible", "2015-02-03", "female")
    _hlh_labs(b)
    b.medication("drug.etoposide", "2025-05-20", "2025-06-10")
    b.medication("drug.dexamethasone", "2025-05-20")
    b.condition("condition.tuberculosis", "2025-04-01")
    b.flag("attestation.informed_consent", True, "2025-06-14")
    b.flag("attestation.health_insurance", True, "2025-06-14")
    return b.build()


def r_hlh_missing() -> Bundle:
    """Three-year-old with fever, splenomegaly and high ferritin; no lipids, genetics or consent yet."""
    b = BundleBuilder("r-hlh-missing", "2022-03-18", "male")
    b.quantity("vital.temperature", 39.1, "Cel", DAY)
    b.flag("finding.splenomegaly", True, DAY)
    b.quantity("lab.haemoglobin", 84, "g/L", DAY)
    b.quantity("lab.platelets", 92, "10*9/L", DAY)
    b.quantity("lab.ferritin", 2650, "ug/L", DAY)
    return b.build()


def _icu(b: BundleBuilder, *, severe: bool) -> None:
    t = ICU_MORNING
    b.quantity("vital.temperature", 39.8, "Cel", t)
    b.flag("finding.splenomegaly", True, t)
    b.flag("finding.hepatomegaly", True, t)
    b.flag("finding.known_immunosuppression", True, t)
    b.quantity("lab.haemoglobin", 7.9, "g/dL", t)
    b.quantity("lab.leukocytes", 1.6, "10*9/L", t)
    b.quantity("lab.neutrophils", 0.9, "10*9/L", t)
    b.quantity("lab.platelets", 31 if severe else 160, "10*9/L", t)
    b.quantity("lab.ferritin", 14800, "ug/L", t)
    b.quantity("lab.triglycerides", 4.6, "mmol/L", t)
    b.quantity("lab.fibrinogen", 1.4, "g/L", t)
    b.quantity("lab.ast", 212, "U/L", t)
    b.flag("finding.haemophagocytosis_marrow", True, t)
    b.quantity("lab.bilirubin_total", 3.4 if severe else 0.8, "mg/dL", t)
    b.quantity("lab.creatinine", 2.6 if severe else 0.9, "mg/dL", t)
    b.quantity("vital.urine_output_24h", 420 if severe else 1650, "mL/d", t)
    b.quantity("vital.map", 61 if severe else 78, "mm[Hg]", t)
    b.quantity("assessment.gcs_total", 13 if severe else 15, "1", t)
    b.quantity("lab.pao2", 68 if severe else 92, "mm[Hg]", t)
    b.quantity("vital.fio2", 50 if severe else 21, "%", t)
    if severe:
        b.procedure("procedure.mechanical_ventilation", "2025-06-14T22:00:00", status="in-progress")
        b.medication(
            "drug.norepinephrine",
            "2025-06-14T23:00:00",
            "2025-06-15T10:00:00",
            kind="MedicationAdministration",
            rate=(0.08, "ug/kg/min"),
        )


def jak_hs_icu_eligible() -> Bundle:
    """Fifty-four-year-old in the ICU with lymphoma-associated HS, HScore > 200 and SOFA ≥ 4."""
    b = BundleBuilder("jak-hs-icu-eligible", "1971-01-22", "male")
    _icu(b, severe=True)
    b.quantity("vital.weight", 82, "kg", DAY)
    b.procedure("procedure.icu_admission", "2025-06-13T22:00:00", status="in-progress")
    b.flag("attestation.emergency_inclusion", True, "2025-06-14")
    b.flag("attestation.health_insurance", True, "2025-06-14")
    # The screening check-list the ICU team completes: exclusions ruled out.
    for key in (
        "attestation.life_expectancy_48h",
        "attestation.no_withholding_of_care",
        "attestation.no_psychiatric_care_impeding_consent",
        "attestation.no_legal_protection_measure",
        "attestation.not_deprived_of_liberty",
        "attestation.no_other_investigational_agent",
    ):
        b.flag(key, True, "2025-06-14")
    for key in (
        "condition.hypersensitivity_ruxolitinib",
        "condition.lactose_intolerance",
        "condition.hypersensitivity_ruxolitinib_excipients",
        "condition.pml",
        "condition.skin_cancer",
    ):
        b.condition(key, "2025-06-14", verification="refuted")
    return b.build()


def jak_hs_icu_ineligible() -> Bundle:
    """Forty-year-old with HS but no organ failure (SOFA below 4) and no health insurance."""
    b = BundleBuilder("jak-hs-icu-ineligible", "1985-07-09", "female")
    _icu(b, severe=False)
    b.flag("attestation.informed_consent", True, "2025-06-14")
    b.flag("attestation.health_insurance", False, "2025-06-14")
    return b.build()


def jak_hs_icu_missing() -> Bundle:
    """Sixty-year-old in the ICU: ferritin and platelets only, no blood gas, no marrow yet."""
    b = BundleBuilder("jak-hs-icu-missing", "1965-04-30", "male")
    t = ICU_MORNING
    b.quantity("vital.temperature", 38.9, "Cel", t)
    b.quantity("lab.ferritin", 6900, "ug/L", t)
    b.quantity("lab.platelets", 64, "10*9/L", t)
    b.quantity("vital.map", 66, "mm[Hg]", t)
    return b.build()


def rux_salvage_eligible() -> Bundle:
    """Two-year-old with EBV-HLH refractory to HLH-94, starting ruxolitinib salvage."""
    b = BundleBuilder("rux-hlh-salvage-eligible", "2023-05-02", "female")
    _hlh_labs(b, "2025-05-10T08:00:00")
    b.condition("condition.ebv_hlh", "2025-05-08")
    b.medication("drug.etoposide", "2025-05-10", "2025-06-07")
    b.medication("drug.dexamethasone", "2025-05-10")
    b.quantity("lab.ferritin", 5200, "ug/L", DAY)
    b.quantity("lab.platelets", 54, "10*9/L", DAY)
    b.flag("attestation.hlh_refractory_relapsed", True, "2025-06-07")
    b.medication("drug.ruxolitinib", "2025-06-15")
    b.flag("attestation.treated_at_study_site", True, "2025-06-15")
    return b.build()


def rux_salvage_ineligible() -> Bundle:
    """Adult with secondary HLH who never received the HLH-94 protocol."""
    b = BundleBuilder("rux-hlh-salvage-ineligible", "1990-09-14", "male")
    _hlh_labs(b)
    b.condition("condition.hlh_secondary", "2025-06-10")
    return b.build()


def rux_salvage_missing() -> Bundle:
    """Child with HLH: first-line treatment dates unknown, no follow-up values."""
    b = BundleBuilder("rux-hlh-salvage-missing", "2021-12-01", "male")
    b.condition("condition.hlh_primary", "2025-04-01")
    b.quantity("lab.ferritin", 3100, "ug/L", DAY)
    return b.build()


def c_hlh_eligible() -> Bundle:
    """Four-month-old with UNC13D familial HLH, first episode, untreated, consented."""
    b = BundleBuilder("c-hlh-eligible", "2025-02-11", "female")
    _hlh_labs(b, infant=True)
    b.flag("finding.haemophagocytosis", True, DAY)
    b.variant(("gene.unc13d",), "mutation", "2025-06-10", protein_change="p.Arg214Ter")
    b.condition("condition.hlh_primary", "2025-06-10")
    b.flag("attestation.informed_consent", True, "2025-06-14")
    b.flag("attestation.health_insurance", True, "2025-06-14")
    _checklist(
        b,
        "2025-06-14",
        attested=(
            "attestation.consent_legal_representative",
            "attestation.no_prior_hlh_specific_treatment",
            "attestation.treatment_history_reviewed",
            "attestation.problem_list_reviewed",
        ),
        absent=("attestation.childbearing_potential",),
    )
    return b.build()


def c_hlh_ineligible() -> Bundle:
    """Child with a relapse of familial HLH after etoposide-based treatment."""
    b = BundleBuilder("c-hlh-ineligible", "2022-01-20", "male")
    _hlh_labs(b)
    b.condition("condition.hlh_primary", "2023-02-01")
    b.medication("drug.etoposide", "2023-02-03", "2023-04-01")
    b.medication("drug.antithymocyte_globulin", "2025-06-01", "2025-06-05")
    return b.build()


def c_hlh_missing() -> Bundle:
    """Infant with suspected familial HLH awaiting genetics; NK function and consent pending."""
    b = BundleBuilder("c-hlh-missing", "2025-01-05", "female")
    b.quantity("vital.temperature", 38.7, "Cel", DAY)
    b.quantity("lab.ferritin", 1200, "ug/L", DAY)
    return b.build()


def _leukaemia(b: BundleBuilder, *, qt: float) -> None:
    t = "2025-06-14T09:00:00"
    b.condition("condition.acute_lymphoblastic_leukaemia", "2021-03-01")
    b.quantity("assessment.lansky", 70, "1", t)
    b.quantity("lab.creatinine", 0.5, "mg/dL", t, reference=(0.3, 0.7))
    b.quantity("vital.height", 132, "cm", t)
    b.quantity("vital.weight", 28, "kg", t)
    b.quantity("lab.bilirubin_direct", 0.2, "mg/dL", t, reference=(0.0, 0.3))
    b.quantity("lab.alt", 48, "U/L", t, reference=(5, 45))
    b.quantity("lab.ast", 51, "U/L", t, reference=(10, 50))
    b.quantity("lab.neutrophils", 0.4, "10*9/L", t, reference=(1.5, 8.0))
    b.quantity("lab.platelets", 41, "10*9/L", t, reference=(150, 450))
    b.quantity("lab.haemoglobin", 86, "g/L", t, reference=(115, 155))
    b.quantity("echo.shortening_fraction", 34, "%", t)
    b.quantity("echo.lvef", 62, "%", t)
    b.quantity("ecg.qt_interval", qt, "ms", t)
    b.quantity("vital.heart_rate", 96, "/min", t)


def hem_ismart_c_eligible() -> Bundle:
    """Nine-year-old with second relapse of B-ALL carrying P2RY8-CRLF2 and a JAK2 R683G mutation."""
    b = BundleBuilder("hem-ismart-c-eligible", "2016-01-15", "male")
    _leukaemia(b, qt=370)
    b.variant(("gene.p2ry8", "gene.crlf2"), "fusion", "2025-05-28")
    b.variant(("gene.jak2",), "mutation", "2025-05-28", protein_change="p.Arg683Gly")
    b.medication("drug.cytarabine", "2025-04-01", "2025-04-28")
    b.flag("attestation.informed_consent", True, "2025-06-14")
    b.flag("attestation.assent", True, "2025-06-14")
    b.absence("absence.medication_allergies", "2025-06-14")
    _checklist(
        b,
        "2025-06-14",
        attested=(
            "attestation.consent_legal_representative",
            "attestation.molecular_profiling_available",
            "attestation.no_severe_concomitant_disease",
            "attestation.willing_able_to_comply",
            "attestation.no_prior_ruxolitinib_venetoclax_combination",
            "attestation.no_grapefruit_72h",
            "attestation.no_gvhd_prophylaxis_or_treatment",
            "attestation.methotrexate_oral_or_intrathecal_only",
            "attestation.no_other_investigational_agent",
            "attestation.treatment_history_reviewed",
            "attestation.problem_list_reviewed",
        ),
        absent=(
            "attestation.qtc_prolongation",
            "attestation.sexually_active",
            "attestation.uncontrolled_infection",
            "attestation.unresolved_toxicity_grade2",
            "attestation.bone_disorder_other",
            "attestation.growth_retardation",
            "attestation.major_surgery_21d",
            "attestation.immunotherapy_other_than_mab_42d",
        ),
        ruled_out=(
            "condition.malabsorption",
            "condition.pml",
            "condition.tuberculosis",
        ),
    )
    return b.build()


def hem_ismart_c_ineligible() -> Bundle:
    """Fourteen-year-old whose relapse carries the JAK2 Y931C resistance mutation, on itraconazole."""
    b = BundleBuilder("hem-ismart-c-ineligible", "2011-04-02", "female")
    _leukaemia(b, qt=430)
    b.variant(("gene.crlf2",), "overexpression", "2025-05-28")
    b.variant(("gene.jak2",), "mutation", "2025-05-28", protein_change="p.Tyr931Cys")
    b.medication("drug.itraconazole", "2025-06-01")
    b.flag("attestation.informed_consent", True, "2025-06-14")
    return b.build()


def hem_ismart_c_missing() -> Bundle:
    """Six-year-old with relapsed T-ALL and an IL7R mutation; no echo, no ECG, no consent yet."""
    b = BundleBuilder("hem-ismart-c-missing", "2019-02-20", "female")
    b.condition("condition.acute_lymphoblastic_leukaemia", "2023-08-01")
    b.variant(("gene.il7r",), "mutation", "2025-06-02", protein_change="p.Leu242_Leu243insCysPro")
    b.quantity("lab.creatinine", 0.4, "mg/dL", DAY)
    return b.build()


EXAMPLES: dict[str, Callable[[], Bundle]] = {
    "r-hlh-eligible": r_hlh_eligible,
    "r-hlh-ineligible": r_hlh_ineligible,
    "r-hlh-missing": r_hlh_missing,
    "jak-hs-icu-eligible": jak_hs_icu_eligible,
    "jak-hs-icu-ineligible": jak_hs_icu_ineligible,
    "jak-hs-icu-missing": jak_hs_icu_missing,
    "rux-hlh-salvage-eligible": rux_salvage_eligible,
    "rux-hlh-salvage-ineligible": rux_salvage_ineligible,
    "rux-hlh-salvage-missing": rux_salvage_missing,
    "c-hlh-eligible": c_hlh_eligible,
    "c-hlh-ineligible": c_hlh_ineligible,
    "c-hlh-missing": c_hlh_missing,
    "hem-ismart-c-eligible": hem_ismart_c_eligible,
    "hem-ismart-c-ineligible": hem_ismart_c_ineligible,
    "hem-ismart-c-missing": hem_ismart_c_missing,
}

#: The example scored by ``trialkit demo``: an ICU patient, where every score has data.
DEMO = "jak-hs-icu-eligible"


def example(name: str) -> Bundle:
    """The example bundle ``name`` (a key of :data:`EXAMPLES`)."""
    return EXAMPLES[name]()


def write_examples(folder: str) -> list[str]:
    """Write every example bundle as ``<folder>/<name>.json``; returns the paths written."""
    import json
    from pathlib import Path

    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in EXAMPLES:
        path = target / f"{name}.json"
        path.write_text(json.dumps(example(name), indent=2) + "\n", encoding="utf-8")
        written.append(str(path))
    return written


if __name__ == "__main__":  # uv run python -m trialkit.examples examples
    import sys

    for path in write_examples(sys.argv[1] if len(sys.argv) > 1 else "examples"):
        print(path)
