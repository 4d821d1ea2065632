"""Trial design statistics: Simon two-stage designs, their operating characteristics,
interim and final decisions, and proper inference after a two-stage trial.

Every function is pure and returns frozen values; invalid input raises
:class:`trialkit.errors.DesignInputError`. Sources are cited in each module:
Simon (1989), Jung et al. (2004, admissible designs), Jung & Kim (2004, UMVUE),
Koyama & Chen (2008, p-value and confidence interval), Clopper & Pearson (1934).
See ``docs/design.md``.

The names are imported on first use (PEP 562, as in :mod:`trialkit`), so that
``trialkit design simon`` loads the search and not the inference, decision and
operating-characteristics modules.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trialkit.design.decision import (
        Decision,
        Outcome,
        decide,
        final_decision,
        interim_decision,
    )
    from trialkit.design.inference import (
        ConfidenceInterval,
        TrialInference,
        clopper_pearson,
        single_stage_inference,
        stagewise_p_value,
        two_stage_inference,
        umvue,
    )
    from trialkit.design.operating import (
        OperatingPoint,
        operating_characteristics,
        plot_operating_characteristics,
        response_grid,
    )
    from trialkit.design.r_hlh import (
        R_HLH_PARAMETERS,
        DesignParameters,
        optimal_n_candidates,
        r_hlh_assumed_design,
    )
    from trialkit.design.simon import (
        NMAX_LIMIT,
        AdmissibleDesign,
        SimonDesign,
        SimonDesigns,
        evaluate_design,
        simon_designs,
    )
    from trialkit.design.two_stage import StageProbabilities, TwoStageDesign, stage_probabilities

_MODULE = {
    "Decision": "decision",
    "Outcome": "decision",
    "decide": "decision",
    "final_decision": "decision",
    "interim_decision": "decision",
    "ConfidenceInterval": "inference",
    "TrialInference": "inference",
    "clopper_pearson": "inference",
    "single_stage_inference": "inference",
    "stagewise_p_value": "inference",
    "two_stage_inference": "inference",
    "umvue": "inference",
    "OperatingPoint": "operating",
    "operating_characteristics": "operating",
    "plot_operating_characteristics": "operating",
    "response_grid": "operating",
    "R_HLH_PARAMETERS": "r_hlh",
    "DesignParameters": "r_hlh",
    "optimal_n_candidates": "r_hlh",
    "r_hlh_assumed_design": "r_hlh",
    "NMAX_LIMIT": "simon",
    "AdmissibleDesign": "simon",
    "SimonDesign": "simon",
    "SimonDesigns": "simon",
    "evaluate_design": "simon",
    "simon_designs": "simon",
    "StageProbabilities": "two_stage",
    "TwoStageDesign": "two_stage",
    "stage_probabilities": "two_stage",
}

__all__ = [
    "NMAX_LIMIT",
    "R_HLH_PARAMETERS",
    "AdmissibleDesign",
    "ConfidenceInterval",
    "Decision",
    "DesignParameters",
    "OperatingPoint",
    "Outcome",
    "SimonDesign",
    "SimonDesigns",
    "StageProbabilities",
    "TrialInference",
    "TwoStageDesign",
    "clopper_pearson",
    "decide",
    "evaluate_design",
    "final_decision",
    "interim_decision",
    "operating_characteristics",
    "optimal_n_candidates",
    "plot_operating_characteristics",
    "r_hlh_assumed_design",
    "response_grid",
    "simon_designs",
    "single_stage_inference",
    "stage_probabilities",
    "stagewise_p_value",
    "two_stage_inference",
    "umvue",
]


def __getattr__(name: str) -> Any:
    module = _MODULE.get(name)
    if module is None:
        raise AttributeError(f"module 'trialkit.design' has no attribute {name!r}")
    value = getattr(import_module(f"trialkit.design.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
