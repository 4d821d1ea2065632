"""Who gets which diagnosis, drug, procedure, finding, attestation or genomic finding, and when.

Each rule names a *group* (:data:`GROUP_NAMES`, computed per person in
:mod:`trialkit.synth.clinical`), the share of that group it applies to, an age
span (years at the extract time) and a time relative to an anchor: ``admit``
and ``end`` of the last stay, or ``extract``. Shares and times are judgements
for a synthetic population that exercises the seed protocols (rationale in
:mod:`trialkit.synth`); they are not epidemiology.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ATTESTATIONS",
    "CONDITIONS",
    "CONTRADICTED",
    "DRUGS",
    "FINDINGS",
    "GENOMICS",
    "GROUP_NAMES",
    "HLH_GENES",
    "PROCEDURES",
    "Alteration",
    "ConditionRule",
    "DrugRule",
    "FindingRule",
    "ProcedureRule",
    "When",
]

Anchor = Literal["admit", "end", "extract"]


@dataclass(frozen=True, slots=True)
class When:
    """A time ``days`` (uniform between the two, negative: after) before an anchor."""

    anchor: Anchor
    days: tuple[float, float]


@dataclass(frozen=True, slots=True)
class ConditionRule:
    """A diagnosis: ``ended`` share has ended (70 % with a date, else ``stop`` without one)."""

    key: str
    group: str
    share: float
    when: When
    ended: float = 0.0
    stop: str = "resolved"
    ages: tuple[float, float] = (0.0, 200.0)
    female: bool = False
    #: Shares of confirmed, tentative (provisional / differential / unconfirmed) and refuted.
    status: tuple[float, float, float] = (0.9, 0.05, 0.05)


@dataclass(frozen=True, slots=True)
class DrugRule:
    """An exposure ending ``end`` before its anchor, lasting a log-normal ``days`` (median, log-sd).

    ``doses`` single administrations (``days`` 0) ``every`` days apart end at
    that time instead. ``ongoing`` share has no end (``verbatim_end_date``
    NULL). ``rate`` (median, log-sd) is an infusion rate in ug/kg/min. ``routes``
    are the routes of administration with their weights; ``unrouted`` share has
    none recorded (``route_concept_id`` 0).
    """

    key: str
    group: str
    share: float
    end: When
    days: tuple[float, float] = (0.0, 0.0)
    doses: int = 1
    every: float = 1.0
    ongoing: float = 0.0
    rate: tuple[float, float] | None = None
    ages: tuple[float, float] = (0.0, 200.0)
    routes: tuple[tuple[str, float], ...] = (("route.intravenous", 1.0),)
    unrouted: float = 0.15


_ORAL = (("route.oral", 1.0),)
_STEROID = (("route.oral", 0.6), ("route.intravenous", 0.4))
_METHOTREXATE = (("route.oral", 0.5), ("route.intrathecal", 0.3), ("route.intravenous", 0.2))


@dataclass(frozen=True, slots=True)
class ProcedureRule:
    """A procedure at a time, lasting ``hours`` (0: an instant); ``in_progress`` share has no end."""

    key: str
    group: str
    share: float
    when: When
    hours: float = 0.0
    in_progress: float = 0.0
    ages: tuple[float, float] = (0.0, 200.0)


@dataclass(frozen=True, slots=True)
class FindingRule:
    """A yes/no finding or attestation recorded for ``share`` of the group, ``yes`` of them Yes."""

    key: str
    group: str
    share: float
    yes: float
    when: When
    ages: tuple[float, float] = (0.0, 200.0)
    female: bool = False


@dataclass(frozen=True, slots=True)
class Alteration:
    """A genomic finding: genes (5' partner first), type, protein change, weight in its panel."""

    genes: tuple[str, ...]
    kind: str
    protein: str | None
    weight: float


#: Person groups rules may name (computed in trialkit.synth.clinical).
GROUP_NAMES = (
    "all",
    "ordinary",
    "adult",
    "child",
    "hlh",
    "hlh_child",
    "hlh_adult",
    "primary_hlh",
    "acquired_hlh_child",
    "hlh_treated",
    "refractory_hlh",
    "leukaemia",
    "lbl",
    "relapsed",
    "allo",
    "car_t",
    "rux_ven",
    "icu",
    "icu_now",
    "ventilated",
    "febrile",
    "cancer",
    "epilepsy",
    "tb",
    "screened",
    "worked_up",
    "partly_worked_up",
)

_STAY = When("admit", (-1.0, 0.0))
_LAST_DAY = When("end", (0.0, 1.0))
_BEFORE = When("admit", (30.0, 3650.0))
_CHILDHOOD = When("extract", (30.0, 2000.0))
_DIAGNOSIS = When("extract", (400.0, 2500.0))
_RECENT = When("extract", (0.0, 60.0))
_RULED_OUT = When("end", (0.0, 2.0))

CONDITIONS: tuple[ConditionRule, ...] = (
    ConditionRule("condition.acute_lymphoblastic_leukaemia", "leukaemia", 1.0, _DIAGNOSIS, status=(1.0, 0.0, 0.0)),
    ConditionRule("condition.lymphoblastic_lymphoma", "lbl", 1.0, _DIAGNOSIS, status=(1.0, 0.0, 0.0)),
    ConditionRule("condition.leukaemia_relapsed_refractory", "relapsed", 1.0, When("extract", (5.0, 90.0)), status=(0.85, 0.15, 0.0)),
    ConditionRule("condition.gvhd_acute", "allo", 0.3, When("extract", (0.0, 20.0)), ended=0.6),
    ConditionRule("condition.gvhd_chronic", "allo", 0.12, When("extract", (0.0, 20.0))),
    ConditionRule("condition.hlh_primary", "primary_hlh", 1.0, _STAY, status=(0.7, 0.25, 0.05)),
    ConditionRule("condition.hlh", "hlh", 0.6, _STAY, status=(0.6, 0.3, 0.1)),
    ConditionRule("condition.hlh_secondary", "hlh_adult", 0.6, _STAY, status=(0.65, 0.3, 0.05)),
    ConditionRule("condition.hlh", "febrile", 0.5, _STAY, status=(0.0, 0.35, 0.65)),
    ConditionRule("condition.ebv_hlh", "hlh", 0.15, _STAY, status=(0.8, 0.15, 0.05)),
    ConditionRule("condition.ebv_infection", "hlh", 0.25, _STAY, ended=0.2),
    ConditionRule("condition.infection", "all", 0.22, _STAY, ended=0.5),
    ConditionRule("condition.infection", "hlh", 0.4, _STAY, ended=0.3),
    ConditionRule("condition.malignancy", "cancer", 1.0, When("admit", (10.0, 2500.0)), ended=0.25, stop="remission", status=(0.93, 0.04, 0.03)),
    ConditionRule("condition.malignancy", "hlh_adult", 0.3, When("admit", (0.0, 400.0))),
    ConditionRule("condition.malignancy", "ordinary", 0.01, _STAY, status=(0.0, 0.4, 0.6)),
    ConditionRule("condition.skin_cancer", "adult", 0.03, _BEFORE, ended=0.6, ages=(50.0, 200.0)),
    ConditionRule("condition.tuberculosis", "tb", 1.0, When("extract", (20.0, 7000.0)), ended=0.6),
    ConditionRule("condition.tuberculosis", "hlh", 0.03, _STAY, status=(0.2, 0.2, 0.6)),
    ConditionRule("condition.rheumatologic_disorder", "adult", 0.03, _BEFORE),
    ConditionRule("condition.rheumatologic_disorder", "hlh", 0.12, _BEFORE),
    ConditionRule("condition.autoinflammatory_disease", "all", 0.002, _BEFORE),
    ConditionRule("condition.hiv_infection", "adult", 0.004, _BEFORE),
    ConditionRule("condition.hiv_infection", "hlh_adult", 0.05, _BEFORE),
    ConditionRule("condition.viral_hepatitis", "adult", 0.01, _BEFORE, ended=0.3),
    ConditionRule("condition.viral_hepatitis", "leukaemia", 0.02, _BEFORE),
    ConditionRule("condition.pml", "all", 0.0005, _BEFORE),
    ConditionRule("condition.pregnancy", "all", 0.04, When("extract", (10.0, 250.0)), ages=(15.0, 46.0), female=True),
    ConditionRule("condition.pregnancy", "screened", 0.02, When("extract", (10.0, 120.0)), ages=(12.0, 46.0), female=True),
    ConditionRule("condition.breastfeeding", "all", 0.015, When("extract", (5.0, 300.0)), ages=(17.0, 46.0), female=True),
    ConditionRule("condition.lactose_intolerance", "all", 0.03, _CHILDHOOD),
    ConditionRule("condition.gilbert_syndrome", "all", 0.03, _CHILDHOOD, ages=(5.0, 200.0)),
    ConditionRule("condition.gilbert_syndrome", "leukaemia", 0.05, _CHILDHOOD),
    ConditionRule("condition.hepatic_failure", "all", 0.005, _STAY),
    ConditionRule("condition.severe_renal_impairment", "adult", 0.03, _BEFORE, ages=(55.0, 200.0)),
    ConditionRule("condition.malabsorption", "all", 0.007, _BEFORE),
    ConditionRule("condition.osteopenia", "adult", 0.1, _BEFORE, ages=(50.0, 200.0), female=True),
    ConditionRule("condition.osteopenia", "leukaemia", 0.05, _RECENT),
    ConditionRule("condition.osteomyelitis", "all", 0.002, _BEFORE, ended=0.7),
    ConditionRule("condition.osteogenesis_imperfecta", "child", 0.001, _CHILDHOOD),
    ConditionRule("condition.rickets", "child", 0.002, _CHILDHOOD, ended=0.5),
    ConditionRule("condition.renal_osteodystrophy", "adult", 0.002, _BEFORE),
    ConditionRule("condition.fibrous_dysplasia", "all", 0.001, _CHILDHOOD),
    ConditionRule("condition.osteomalacia", "adult", 0.002, _BEFORE),
    ConditionRule("condition.hypersensitivity_ruxolitinib", "screened", 0.01, _BEFORE),
    ConditionRule("condition.hypersensitivity_ruxolitinib_excipients", "screened", 0.005, _BEFORE),
    ConditionRule("condition.hypersensitivity_methylprednisolone_prednisolone", "all", 0.003, _BEFORE),
    ConditionRule("condition.hypersensitivity_ruxolitinib_venetoclax_regimen", "leukaemia", 0.05, _BEFORE),
    # Screening check-lists: diagnoses a site ruled out (refuted) on the screening day, all of
    # them after a complete work-up, some of them otherwise.
    *(
        ConditionRule(key, group, share if group == "partly_worked_up" else 1.0, _RULED_OUT, status=(0.0, 0.0, 1.0))
        for group in ("partly_worked_up", "worked_up")
        for key, share in (
            ("condition.hypersensitivity_ruxolitinib", 0.35),
            ("condition.hypersensitivity_ruxolitinib_excipients", 0.3),
            ("condition.hypersensitivity_methylprednisolone_prednisolone", 0.3),
            ("condition.tuberculosis", 0.3),
            ("condition.rheumatologic_disorder", 0.25),
            ("condition.malignancy", 0.15),
            ("condition.lactose_intolerance", 0.3),
            ("condition.pml", 0.3),
            ("condition.skin_cancer", 0.25),
            ("condition.malabsorption", 0.3),
            ("condition.breastfeeding", 0.2),
        )
    ),
    ConditionRule("condition.hlh_primary", "acquired_hlh_child", 0.35, _RULED_OUT, status=(0.0, 0.0, 1.0)),
    ConditionRule("condition.pregnancy", "worked_up", 1.0, _RULED_OUT, ages=(10.0, 56.0), female=True, status=(0.0, 0.0, 1.0)),
)  # fmt: skip

DRUGS: tuple[DrugRule, ...] = (
    # Chemotherapy of relapsed leukaemia: the last block ends 0-60 days before the extract.
    DrugRule("drug.vincristine", "relapsed", 0.8, When("extract", (0.0, 60.0)), doses=4, every=7.0),
    DrugRule("drug.daunorubicin", "relapsed", 0.5, When("extract", (0.0, 60.0)), doses=2, every=7.0),
    DrugRule("drug.cytarabine", "relapsed", 0.6, When("extract", (0.0, 60.0)), days=(5.0, 0.3)),
    DrugRule("drug.cyclophosphamide", "relapsed", 0.4, When("extract", (0.0, 60.0)), doses=2, every=14.0),
    DrugRule("drug.methotrexate", "leukaemia", 0.6, When("extract", (0.0, 90.0)), doses=3, every=14.0, routes=_METHOTREXATE),
    DrugRule("drug.mercaptopurine", "leukaemia", 0.4, When("extract", (0.0, 120.0)), days=(90.0, 0.5), ongoing=0.3, routes=_ORAL),
    DrugRule("drug.pegaspargase", "relapsed", 0.3, When("extract", (2.0, 60.0))),
    DrugRule("drug.asparaginase", "relapsed", 0.1, When("extract", (2.0, 60.0)), doses=3, every=3.0),
    DrugRule("drug.etoposide", "relapsed", 0.2, When("extract", (2.0, 60.0)), doses=3, every=1.0),
    DrugRule("drug.fludarabine", "relapsed", 0.1, When("extract", (2.0, 90.0)), doses=5, every=1.0),
    DrugRule("drug.clofarabine", "relapsed", 0.05, When("extract", (2.0, 90.0)), doses=5, every=1.0),
    DrugRule("drug.nelarabine", "relapsed", 0.04, When("extract", (2.0, 90.0)), doses=3, every=2.0),
    DrugRule("drug.dexamethasone", "leukaemia", 0.6, When("extract", (-1.0, 40.0)), days=(14.0, 0.6), ongoing=0.25, routes=_STEROID),
    DrugRule("drug.prednisolone", "leukaemia", 0.3, When("extract", (0.0, 120.0)), days=(28.0, 0.3), routes=_ORAL),
    DrugRule("drug.hydroxycarbamide", "relapsed", 0.05, When("extract", (0.0, 10.0)), days=(7.0, 0.5), ongoing=0.4),
    # Antibodies: blinatumomab is a 28-day infusion; others single doses (wash-outs in half-lives).
    DrugRule("drug.blinatumomab", "relapsed", 0.2, When("extract", (0.0, 60.0)), days=(28.0, 0.1)),
    DrugRule("drug.inotuzumab_ozogamicin", "relapsed", 0.08, When("extract", (0.0, 90.0)), doses=3, every=7.0),
    DrugRule("drug.rituximab", "lbl", 0.3, When("extract", (0.0, 120.0)), doses=2, every=21.0),
    DrugRule("drug.rituximab", "adult", 0.004, When("extract", (0.0, 365.0)), doses=4, every=7.0),
    DrugRule("drug.daratumumab", "cancer", 0.01, When("extract", (0.0, 120.0)), doses=4, every=7.0),
    DrugRule("drug.tisagenlecleucel", "car_t", 1.0, When("extract", (5.0, 200.0))),
    DrugRule("drug.ruxolitinib", "rux_ven", 1.0, When("extract", (5.0, 300.0)), days=(30.0, 0.5)),
    DrugRule("drug.venetoclax", "rux_ven", 1.0, When("extract", (5.0, 300.0)), days=(28.0, 0.4)),
    DrugRule("drug.ruxolitinib", "relapsed", 0.03, When("extract", (5.0, 300.0)), days=(30.0, 0.5)),
    DrugRule("drug.venetoclax", "relapsed", 0.04, When("extract", (5.0, 300.0)), days=(28.0, 0.4)),
    # Supportive care in leukaemia: azoles (CYP3A4 inhibitors), transplant immunosuppression.
    DrugRule("drug.posaconazole", "leukaemia", 0.3, When("extract", (0.0, 40.0)), days=(30.0, 0.5), ongoing=0.5),
    DrugRule("drug.voriconazole", "leukaemia", 0.1, When("extract", (0.0, 40.0)), days=(21.0, 0.5), ongoing=0.4),
    DrugRule("drug.fluconazole", "leukaemia", 0.15, When("extract", (0.0, 40.0)), days=(14.0, 0.5), ongoing=0.4),
    DrugRule("drug.tacrolimus", "allo", 0.5, When("extract", (0.0, 120.0)), days=(120.0, 0.4), ongoing=0.5),
    DrugRule("drug.ciclosporin", "allo", 0.4, When("extract", (0.0, 120.0)), days=(120.0, 0.4), ongoing=0.4),
    DrugRule("drug.mycophenolic_acid", "allo", 0.2, When("extract", (0.0, 120.0)), days=(60.0, 0.4), ongoing=0.3),
    # HLH: dexamethasone from admission (HLH-94 style), sometimes beyond 14 days.
    DrugRule("drug.dexamethasone", "hlh", 0.65, When("extract", (-1.0, 10.0)), days=(9.0, 0.7), ongoing=0.6),
    DrugRule("drug.methylprednisolone", "hlh_adult", 0.35, When("extract", (-1.0, 10.0)), days=(5.0, 0.5), ongoing=0.4),
    DrugRule("drug.prednisolone", "hlh", 0.1, When("extract", (5.0, 200.0)), days=(20.0, 0.6)),
    DrugRule("drug.etoposide", "hlh_treated", 0.9, When("extract", (0.0, 60.0)), doses=4, every=3.5),
    DrugRule("drug.dexamethasone", "refractory_hlh", 1.0, When("extract", (0.0, 30.0)), days=(28.0, 0.3), ongoing=0.5),
    DrugRule("drug.ruxolitinib", "refractory_hlh", 0.6, When("extract", (-1.0, 0.5)), days=(1.0, 0.5), ongoing=0.8),
    DrugRule("drug.ruxolitinib", "hlh", 0.03, When("extract", (3.0, 60.0)), days=(14.0, 0.5)),
    DrugRule("drug.ciclosporin", "hlh", 0.2, When("extract", (-1.0, 30.0)), days=(12.0, 0.6), ongoing=0.5),
    DrugRule("drug.antithymocyte_globulin", "hlh_treated", 0.1, When("extract", (2.0, 120.0)), doses=4, every=1.0),
    DrugRule("drug.alemtuzumab", "hlh_treated", 0.08, When("extract", (2.0, 120.0)), doses=3, every=2.0),
    DrugRule("drug.emapalumab", "hlh_treated", 0.1, When("extract", (1.0, 60.0)), doses=3, every=3.5),
    DrugRule("drug.hydrocortisone", "icu", 0.2, When("end", (-1.0, 3.0)), days=(5.0, 0.5), ongoing=0.5),
    # ICU catecholamines, with their rates in ug/kg/min (SOFA).
    DrugRule("drug.norepinephrine", "icu_now", 0.5, When("extract", (-1.0, 0.0)), days=(2.0, 0.7), ongoing=0.7, rate=(0.12, 0.8)),
    DrugRule("drug.epinephrine", "icu_now", 0.1, When("extract", (-1.0, 0.5)), days=(1.0, 0.7), ongoing=0.6, rate=(0.08, 0.8)),
    DrugRule("drug.dopamine", "icu_now", 0.05, When("extract", (-1.0, 0.5)), days=(1.5, 0.7), ongoing=0.6, rate=(6.0, 0.5)),
    DrugRule("drug.dobutamine", "icu_now", 0.08, When("extract", (-1.0, 0.5)), days=(1.5, 0.7), ongoing=0.6, rate=(5.0, 0.4)),
    DrugRule("drug.vasopressin", "icu_now", 0.05, When("extract", (-1.0, 0.5)), days=(1.0, 0.7), ongoing=0.6),
    DrugRule("drug.amiodarone", "icu", 0.06, When("end", (-1.0, 3.0)), days=(4.0, 0.7), ongoing=0.5),
    DrugRule("drug.fluconazole", "icu", 0.1, When("end", (-1.0, 3.0)), days=(7.0, 0.5), ongoing=0.5),
    # Ordinary inpatients: long-term and in-hospital drugs that trigger wash-outs and interactions.
    DrugRule("drug.prednisone", "adult", 0.04, When("extract", (0.0, 400.0)), days=(40.0, 1.0), ongoing=0.4),
    DrugRule("drug.prednisolone", "all", 0.02, When("end", (-1.0, 30.0)), days=(10.0, 0.7), ongoing=0.3),
    DrugRule("drug.methylprednisolone", "adult", 0.01, When("end", (-1.0, 10.0)), days=(4.0, 0.6)),
    DrugRule("drug.hydrocortisone", "all", 0.01, When("end", (-1.0, 60.0)), days=(20.0, 1.0), ongoing=0.5),
    DrugRule("drug.dexamethasone", "ordinary", 0.015, When("end", (-1.0, 30.0)), days=(5.0, 0.7)),
    DrugRule("drug.carbamazepine", "epilepsy", 0.45, When("extract", (0.0, 30.0)), days=(700.0, 1.0), ongoing=0.85),
    DrugRule("drug.phenytoin", "epilepsy", 0.2, When("extract", (0.0, 30.0)), days=(500.0, 1.0), ongoing=0.8),
    DrugRule("drug.phenobarbital", "epilepsy", 0.15, When("extract", (0.0, 30.0)), days=(500.0, 1.0), ongoing=0.8),
    DrugRule("drug.primidone", "epilepsy", 0.05, When("extract", (0.0, 30.0)), days=(500.0, 1.0), ongoing=0.8),
    DrugRule("drug.rifampicin", "tb", 0.6, When("extract", (0.0, 2000.0)), days=(180.0, 0.3), ongoing=0.2),
    DrugRule("drug.rifabutin", "tb", 0.05, When("extract", (0.0, 2000.0)), days=(180.0, 0.3)),
    DrugRule("drug.st_johns_wort", "adult", 0.002, When("extract", (0.0, 90.0)), days=(60.0, 0.8), ongoing=0.6),
    DrugRule("drug.clarithromycin", "all", 0.02, When("end", (-1.0, 30.0)), days=(7.0, 0.3)),
    DrugRule("drug.azithromycin", "all", 0.03, When("end", (-1.0, 30.0)), days=(4.0, 0.3)),
    DrugRule("drug.erythromycin", "all", 0.005, When("end", (-1.0, 30.0)), days=(7.0, 0.3)),
    DrugRule("drug.fluconazole", "all", 0.015, When("end", (-1.0, 30.0)), days=(10.0, 0.5), ongoing=0.2),
    DrugRule("drug.itraconazole", "adult", 0.003, When("extract", (0.0, 120.0)), days=(30.0, 0.6), ongoing=0.4, routes=_ORAL),
    DrugRule("drug.ketoconazole", "adult", 0.001, When("extract", (0.0, 120.0)), days=(14.0, 0.6)),
    DrugRule("drug.ritonavir", "adult", 0.003, When("extract", (0.0, 30.0)), days=(900.0, 0.8), ongoing=0.9),
    DrugRule("drug.darunavir", "adult", 0.002, When("extract", (0.0, 30.0)), days=(900.0, 0.8), ongoing=0.9),
    DrugRule("drug.efavirenz", "adult", 0.002, When("extract", (0.0, 30.0)), days=(900.0, 0.8), ongoing=0.9),
    DrugRule("drug.amiodarone", "adult", 0.02, When("extract", (0.0, 200.0)), days=(200.0, 1.0), ongoing=0.6, ages=(50.0, 200.0)),
    DrugRule("drug.diltiazem", "adult", 0.02, When("extract", (0.0, 200.0)), days=(300.0, 1.0), ongoing=0.7, ages=(40.0, 200.0)),
    DrugRule("drug.verapamil", "adult", 0.01, When("extract", (0.0, 200.0)), days=(300.0, 1.0), ongoing=0.7, ages=(40.0, 200.0)),
    DrugRule("drug.carvedilol", "adult", 0.03, When("extract", (0.0, 200.0)), days=(400.0, 1.0), ongoing=0.8, ages=(45.0, 200.0)),
    DrugRule("drug.ticagrelor", "adult", 0.02, When("extract", (0.0, 200.0)), days=(200.0, 0.6), ongoing=0.7, ages=(45.0, 200.0)),
    DrugRule("drug.cimetidine", "adult", 0.003, When("extract", (0.0, 60.0)), days=(30.0, 0.8)),
    DrugRule("drug.citalopram", "adult", 0.03, When("extract", (0.0, 200.0)), days=(300.0, 1.0), ongoing=0.7),
    DrugRule("drug.escitalopram", "adult", 0.02, When("extract", (0.0, 200.0)), days=(300.0, 1.0), ongoing=0.7),
    DrugRule("drug.haloperidol", "adult", 0.015, When("end", (-1.0, 10.0)), days=(3.0, 0.6), ages=(60.0, 200.0)),
    DrugRule("drug.methotrexate", "adult", 0.01, When("extract", (0.0, 60.0)), doses=4, every=7.0),
    DrugRule("drug.azathioprine", "adult", 0.005, When("extract", (0.0, 60.0)), days=(300.0, 1.0), ongoing=0.8),
    DrugRule("drug.tacrolimus", "adult", 0.005, When("extract", (0.0, 60.0)), days=(900.0, 1.0), ongoing=0.9),
    DrugRule("drug.ciclosporin", "adult", 0.003, When("extract", (0.0, 60.0)), days=(900.0, 1.0), ongoing=0.9),
    DrugRule("drug.tamoxifen", "cancer", 0.05, When("extract", (0.0, 60.0)), days=(900.0, 0.8), ongoing=0.8),
    DrugRule("drug.imatinib", "cancer", 0.01, When("extract", (0.0, 60.0)), days=(600.0, 0.8), ongoing=0.8),
    DrugRule("drug.cyclophosphamide", "cancer", 0.05, When("extract", (0.0, 120.0)), doses=3, every=21.0),
    DrugRule("drug.doxorubicin", "cancer", 0.04, When("extract", (0.0, 120.0)), doses=3, every=21.0),
    DrugRule("drug.grapefruit_juice", "all", 0.002, When("end", (-1.0, 10.0)), days=(3.0, 0.5)),
)  # fmt: skip

PROCEDURES: tuple[ProcedureRule, ...] = (
    ProcedureRule("procedure.bone_marrow_aspiration", "leukaemia", 0.9, When("extract", (5.0, 90.0))),
    ProcedureRule("procedure.lumbar_puncture", "leukaemia", 0.7, When("extract", (0.0, 60.0))),
    ProcedureRule("procedure.intrathecal_therapy", "leukaemia", 0.5, When("extract", (0.0, 60.0))),
    ProcedureRule("procedure.central_venous_access", "leukaemia", 0.8, When("extract", (20.0, 900.0)), hours=1.0),
    ProcedureRule("procedure.chemotherapy", "relapsed", 0.8, When("extract", (0.0, 60.0))),
    ProcedureRule("procedure.hsct_allogeneic", "allo", 1.0, When("extract", (20.0, 400.0)), hours=3.0),
    ProcedureRule("procedure.hsct_autologous", "leukaemia", 0.01, When("extract", (30.0, 700.0)), hours=3.0),
    ProcedureRule("procedure.radiotherapy", "leukaemia", 0.1, When("extract", (0.0, 120.0)), hours=0.5),
    ProcedureRule("procedure.car_t_therapy", "car_t", 1.0, When("extract", (5.0, 200.0)), hours=1.0),
    ProcedureRule("procedure.cellular_immunotherapy", "relapsed", 0.02, When("extract", (5.0, 200.0)), hours=1.0),
    ProcedureRule("procedure.transfusion_rbc", "leukaemia", 0.4, When("end", (0.0, 10.0)), hours=2.0),
    ProcedureRule("procedure.bone_marrow_aspiration", "hlh", 0.75, When("admit", (-2.0, 0.0))),
    ProcedureRule("procedure.lumbar_puncture", "hlh", 0.4, When("admit", (-3.0, 0.0))),
    ProcedureRule("procedure.central_venous_access", "hlh", 0.5, When("admit", (-1.0, 0.0)), hours=1.0),
    ProcedureRule("procedure.transfusion_rbc", "hlh", 0.5, When("end", (0.0, 5.0)), hours=2.0),
    ProcedureRule("procedure.icu_admission", "icu", 1.0, When("admit", (0.0, 0.0))),
    ProcedureRule("procedure.mechanical_ventilation", "ventilated", 0.8, When("admit", (0.0, 0.0)), hours=96.0, in_progress=0.6),
    ProcedureRule("procedure.noninvasive_ventilation", "icu", 0.15, When("admit", (0.0, 0.0)), hours=30.0, in_progress=0.3),
    ProcedureRule("procedure.dialysis", "icu", 0.1, When("end", (0.0, 6.0)), hours=4.0, in_progress=0.2),
    ProcedureRule("procedure.central_venous_access", "icu", 0.6, When("admit", (0.0, 0.0)), hours=1.0),
    ProcedureRule("procedure.transfusion_rbc", "icu", 0.25, When("end", (0.0, 5.0)), hours=2.0),
    ProcedureRule("procedure.major_surgery", "icu", 0.25, When("admit", (0.0, 1.0)), hours=4.0),
    ProcedureRule("procedure.major_surgery", "ordinary", 0.12, When("admit", (-1.0, 0.0)), hours=3.0),
    ProcedureRule("procedure.major_surgery", "all", 0.03, _BEFORE, hours=3.0),
    ProcedureRule("procedure.hsct_autologous", "cancer", 0.03, When("extract", (20.0, 1500.0)), hours=3.0),
    ProcedureRule("procedure.hsct_allogeneic", "cancer", 0.01, When("extract", (20.0, 1500.0)), hours=3.0),
    ProcedureRule("procedure.radiotherapy", "cancer", 0.2, When("extract", (0.0, 400.0)), hours=0.5),
    ProcedureRule("procedure.radiotherapy_palliative", "cancer", 0.05, When("extract", (0.0, 120.0)), hours=0.5),
    ProcedureRule("procedure.chemotherapy", "cancer", 0.25, When("extract", (0.0, 200.0))),
    ProcedureRule("procedure.tumour_biopsy", "cancer", 0.2, When("admit", (0.0, 400.0)), hours=1.0),
    ProcedureRule("procedure.dialysis", "adult", 0.015, When("end", (0.0, 30.0)), hours=4.0),
    ProcedureRule("procedure.transfusion_rbc", "ordinary", 0.06, When("end", (0.0, 5.0)), hours=2.0),
    ProcedureRule("procedure.gastrostomy", "all", 0.005, _BEFORE, hours=1.0),
    ProcedureRule("procedure.central_venous_access", "ordinary", 0.05, When("admit", (-1.0, 0.0)), hours=1.0),
    ProcedureRule("procedure.bone_marrow_aspiration", "ordinary", 0.01, When("admit", (-2.0, 0.0))),
    ProcedureRule("procedure.lumbar_puncture", "ordinary", 0.02, When("admit", (-2.0, 0.0))),
    ProcedureRule("procedure.vp_shunt", "all", 0.001, _BEFORE, hours=2.0),
    ProcedureRule("procedure.endoscopic_ventriculostomy", "all", 0.0005, _BEFORE, hours=2.0),
)  # fmt: skip

FINDINGS: tuple[FindingRule, ...] = (
    FindingRule("finding.fever", "hlh", 0.85, 0.9, _LAST_DAY),
    FindingRule("finding.fever", "febrile", 0.7, 0.95, _LAST_DAY),
    FindingRule("finding.fever", "ordinary", 0.05, 0.2, _LAST_DAY),
    FindingRule("finding.splenomegaly", "hlh", 0.8, 0.7, _LAST_DAY),
    FindingRule("finding.splenomegaly", "febrile", 0.4, 0.15, _LAST_DAY),
    FindingRule("finding.splenomegaly", "ordinary", 0.02, 0.2, _LAST_DAY),
    FindingRule("finding.hepatomegaly", "hlh", 0.6, 0.6, _LAST_DAY),
    FindingRule("finding.haemophagocytosis_marrow", "hlh", 0.6, 0.6, When("end", (0.0, 5.0))),
    FindingRule("finding.haemophagocytosis", "hlh", 0.2, 0.6, When("end", (0.0, 5.0))),
    FindingRule("finding.nk_activity_low", "hlh", 0.4, 0.7, When("end", (0.0, 20.0))),
    FindingRule("attestation.activated_t_cells_hla_dr", "hlh", 0.25, 0.6, When("end", (0.0, 20.0))),
    FindingRule("attestation.cytotoxic_protein_expression_abnormal", "hlh_child", 0.3, 0.45, When("end", (0.0, 40.0))),
    FindingRule("finding.family_history_hlh", "hlh_child", 0.5, 0.3, _STAY),
    FindingRule("finding.cns_involvement", "hlh", 0.3, 0.2, _LAST_DAY),
    FindingRule("finding.known_immunosuppression", "hlh_adult", 0.5, 0.3, _STAY),
    FindingRule("attestation.infection_other_than_hlh_trigger", "hlh", 0.4, 0.25, When("end", (0.0, 10.0))),
    FindingRule("attestation.hepatic_failure_grade4", "hlh", 0.3, 0.1, When("end", (0.0, 10.0))),
    FindingRule("attestation.hepatic_failure_grade4", "icu", 0.2, 0.1, When("end", (0.0, 10.0))),
    FindingRule("finding.organ_failure_hs_related", "hlh_adult", 0.5, 0.5, _LAST_DAY),
    FindingRule("finding.respiratory_support", "icu", 0.5, 0.6, _LAST_DAY),
    FindingRule("finding.transfusion_indicated", "all", 0.02, 0.5, _LAST_DAY),
    FindingRule("finding.hypokalaemia_symptomatic", "all", 0.01, 0.3, _LAST_DAY),
    FindingRule("finding.cytopenia_bilineage", "hlh", 0.3, 0.7, _LAST_DAY),
    FindingRule("attestation.childbearing_potential", "screened", 0.6, 0.7, _LAST_DAY, ages=(10.0, 56.0), female=True),
    FindingRule("attestation.childbearing_potential", "all", 0.08, 0.7, _LAST_DAY, ages=(12.0, 56.0), female=True),
    FindingRule("attestation.childbearing_potential", "worked_up", 1.0, 0.0, _LAST_DAY, ages=(0.0, 10.0)),
    FindingRule("attestation.childbearing_potential", "worked_up", 1.0, 0.7, _LAST_DAY, ages=(10.0, 56.0), female=True),
    FindingRule("attestation.sexually_active", "leukaemia", 0.4, 0.3, _LAST_DAY, ages=(12.0, 200.0)),
    # Men and women after puberty with leukaemia: fertile (CTFG 2020) unless treated to sterility.
    FindingRule("attestation.childbearing_potential", "leukaemia", 0.5, 0.8, _LAST_DAY, ages=(14.0, 200.0)),
    FindingRule("attestation.sexually_active", "all", 0.02, 0.6, _LAST_DAY, ages=(14.0, 40.0)),
    FindingRule("attestation.qtc_prolongation", "leukaemia", 0.6, 0.1, _LAST_DAY),
    FindingRule("attestation.hepatic_dysfunction_disease_related", "leukaemia", 0.2, 0.3, _LAST_DAY),
    FindingRule("attestation.unresolved_toxicity_grade2", "leukaemia", 0.4, 0.3, _LAST_DAY),
    FindingRule("finding.hypersensitivity_study_drug", "leukaemia", 0.3, 0.05, _LAST_DAY),
    FindingRule("attestation.uncontrolled_infection", "leukaemia", 0.4, 0.15, _LAST_DAY),
    FindingRule("attestation.uncontrolled_infection", "all", 0.01, 0.4, _LAST_DAY),
    FindingRule("attestation.gvhd_chronic_moderate_severe", "allo", 0.6, 0.2, _LAST_DAY),
    FindingRule("attestation.isolated_cns_hlh", "hlh_child", 0.3, 0.1, _LAST_DAY),
    FindingRule("attestation.bone_disorder_other", "leukaemia", 0.3, 0.01, _LAST_DAY),
    FindingRule("attestation.growth_retardation", "leukaemia", 0.4, 0.1, _LAST_DAY),
    FindingRule("attestation.major_surgery_21d", "leukaemia", 0.4, 0.03, _LAST_DAY),
    # The response assessment of a refractory or relapsed HLH, stated by the investigator.
    FindingRule("attestation.hlh_refractory_relapsed", "refractory_hlh", 1.0, 0.85, When("extract", (0.0, 10.0))),
    FindingRule("attestation.immunotherapy_other_than_mab_42d", "relapsed", 0.5, 0.04, _LAST_DAY),
    # After a complete work-up every screening finding is recorded (Yes as often as above).
    *(
        FindingRule(key, "worked_up", 1.0, yes, _LAST_DAY)
        for key, yes in (
            ("attestation.infection_other_than_hlh_trigger", 0.25),
            ("attestation.hepatic_failure_grade4", 0.1),
            ("finding.cns_involvement", 0.2),
            ("attestation.uncontrolled_infection", 0.15),
            ("finding.hypersensitivity_study_drug", 0.05),
            ("attestation.unresolved_toxicity_grade2", 0.3),
            ("attestation.hepatic_dysfunction_disease_related", 0.3),
            ("attestation.qtc_prolongation", 0.1),
            ("attestation.isolated_cns_hlh", 0.03),
            ("attestation.bone_disorder_other", 0.01),
            ("attestation.growth_retardation", 0.04),
            ("attestation.major_surgery_21d", 0.03),
            ("attestation.immunotherapy_other_than_mab_42d", 0.02),
        )
    ),
    FindingRule("lab.hcg", "screened", 0.5, 0.03, When("end", (0.0, 3.0)), ages=(10.0, 56.0), female=True),
    FindingRule("lab.hcg", "all", 0.03, 0.05, When("end", (0.0, 3.0)), ages=(15.0, 50.0), female=True),
    FindingRule("lab.hcg", "leukaemia", 0.6, 0.05, When("end", (0.0, 3.0)), ages=(12.0, 56.0), female=True),
)  # fmt: skip

#: Attestations: (key, share recorded among screened persons, among others, share Yes); every
#: one is recorded after a complete work-up (clinical.WORKED_UP).
ATTESTATIONS: tuple[tuple[str, float, float, float], ...] = (
    ("attestation.treatment_history_reviewed", 0.75, 0.12, 0.97),
    ("attestation.problem_list_reviewed", 0.9, 0.12, 0.99),
    ("attestation.allergy_history_reviewed", 0.6, 0.05, 0.97),
    ("attestation.informed_consent", 0.6, 0.01, 0.85),
    ("attestation.consent_legal_representative", 0.5, 0.005, 0.85),
    ("attestation.consent_family_or_trusted_person", 0.3, 0.005, 0.85),
    ("attestation.emergency_inclusion", 0.3, 0.005, 0.7),
    ("attestation.assent", 0.4, 0.005, 0.85),
    ("attestation.health_insurance", 0.6, 0.02, 0.95),
    ("attestation.contraception", 0.4, 0.01, 0.8),
    ("attestation.no_other_investigational_agent", 0.55, 0.01, 0.9),
    ("attestation.oral_or_ng_administration_possible", 0.5, 0.01, 0.9),
    ("attestation.life_expectancy_48h", 0.3, 0.005, 0.92),
    ("attestation.no_withholding_of_care", 0.3, 0.005, 0.9),
    ("attestation.no_legal_protection_measure", 0.4, 0.005, 0.95),
    ("attestation.not_deprived_of_liberty", 0.4, 0.005, 0.98),
    ("attestation.no_psychiatric_care_impeding_consent", 0.4, 0.005, 0.97),
    ("attestation.willing_able_to_comply", 0.5, 0.005, 0.9),
    ("attestation.molecular_profiling_available", 0.5, 0.002, 0.8),
    ("attestation.no_grapefruit_72h", 0.4, 0.005, 0.95),
    ("attestation.no_prior_hlh_specific_treatment", 0.4, 0.002, 0.75),
    ("attestation.no_severe_concomitant_disease", 0.5, 0.005, 0.85),
    ("attestation.no_gvhd_prophylaxis_or_treatment", 0.4, 0.002, 0.8),
    ("attestation.no_prior_ruxolitinib_venetoclax_combination", 0.4, 0.002, 0.95),
    ("attestation.treated_at_study_site", 0.5, 0.002, 0.9),
    ("attestation.sponsor_confirmed_eligibility", 0.15, 0.001, 0.7),
    ("attestation.methotrexate_oral_or_intrathecal_only", 0.3, 0.001, 0.8),
)

#: Attestations a group cannot truthfully give: always No for it (its recorded history says so).
CONTRADICTED: dict[str, str] = {
    "attestation.no_prior_hlh_specific_treatment": "hlh_treated",
    "attestation.no_prior_ruxolitinib_venetoclax_combination": "rux_ven",
}

#: Genomic findings of persons with leukaemia (75 % profiled; a second finding in 30 %).
#: Protein changes are hotspots commonly reported in B- and T-ALL, used as examples.
GENOMICS: tuple[Alteration, ...] = (
    Alteration(("HGNC:3495", "HGNC:10471"), "fusion", None, 25.0),
    Alteration(("HGNC:7989",), "mutation", "G12D", 10.0),
    Alteration(("gene.p2ry8", "gene.crlf2"), "fusion", None, 12.0),
    Alteration(("gene.igh", "gene.crlf2"), "rearrangement", None, 8.0),
    Alteration(("gene.crlf2",), "mutation", "F232C", 3.0),
    Alteration(("gene.crlf2",), "overexpression", None, 5.0),
    Alteration(("gene.jak2",), "mutation", "R683G", 8.0),
    Alteration(("gene.jak1",), "mutation", "R724H", 4.0),
    Alteration(("gene.jak3",), "mutation", "M511I", 3.0),
    Alteration(("gene.il7r",), "mutation", "S185C", 4.0),
    Alteration(("gene.epor",), "rearrangement", None, 2.0),
    Alteration(("gene.sh2b3",), "deletion", None, 3.0),
    Alteration(("gene.ptpn2",), "deletion", None, 2.0),
    Alteration(("gene.stat5b",), "mutation", "N642H", 2.0),
    Alteration(("gene.dnm2",), "mutation", None, 1.0),
    Alteration(("gene.jak2",), "mutation", "Y931C", 3.0),
    Alteration(("gene.jak1",), "mutation", "F958V", 1.5),
    Alteration(("gene.jak1",), "mutation", "P960S", 1.5),
    Alteration(("gene.bcl2",), "mutation", "G101V", 2.0),
    Alteration(("gene.bcl2",), "mutation", "F104L", 1.0),
    Alteration(("gene.bcl2",), "mutation", "F104C", 1.0),
)

#: Genes of familial HLH (germline mutations of 40 % of HLH-like children; no protein change).
HLH_GENES: tuple[tuple[str, float], ...] = (
    ("gene.prf1", 30.0),
    ("gene.unc13d", 30.0),
    ("gene.stx11", 10.0),
    ("gene.stxbp2", 10.0),
    ("gene.rab27a", 6.0),
    ("gene.lyst", 4.0),
    ("gene.sh2d1a", 6.0),
    ("gene.xiap", 4.0),
)
