"""The flow of participants (CONSORT-style) from a screening log and the enrolled cohort.

The screening log is the JSON lines of a batch ``trialkit screen``
(``trialkit.screen-line/1``, ``docs/screen-json.md``): one line per patient
screened. The flow counts, for one protocol, the patients assessed for
eligibility, those excluded and why (each criterion a patient failed: an
inclusion criterion not met, an exclusion criterion met), those whose
eligibility stayed undetermined, the bundles that could not be screened, and
the eligible; then the subjects analysed (the cohort). CONSORT 2010 (Schulz KF,
Altman DG, Moher D. BMJ 2010;340:c332, Figure 1) draws the same boxes:
assessed for eligibility, excluded with the reasons, then enrolled and analysed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from trialkit._files import read_regular
from trialkit.errors import CohortError
from trialkit.protocol import CriterionKind, Protocol

__all__ = ["LINE_SCHEMA", "MAX_LOG_BYTES", "Flow", "read_screening_log", "screening_flow"]

LINE_SCHEMA = "trialkit.screen-line/1"
"""The schema of a screening log's lines (``docs/screen-json.md``, batch screening)."""

MAX_LOG_BYTES = 1024 * 1024 * 1024
"""The largest screening log read (1 GiB)."""


@dataclass(frozen=True, slots=True)
class Flow:
    """The boxes of the flow diagram for one protocol."""

    protocol: str
    assessed: int
    eligible: int
    ineligible: int
    undetermined: int
    not_screened: int
    analysed: int
    reasons: dict[str, int] = field(default_factory=dict)
    """Criterion id → the patients who failed it (a patient may fail several)."""


def read_screening_log(path: str | Path) -> list[dict[str, object]]:
    """The lines of a screening log; an error names the line and the reason."""
    file = Path(path)
    text = read_regular(file, MAX_LOG_BYTES, CohortError)
    lines: list[dict[str, object]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise CohortError(f"{file}:{number}: not JSON ({error})") from None
        if not isinstance(line, dict) or line.get("schema") != LINE_SCHEMA:
            raise CohortError(
                f"{file}:{number}: not a screening line (schema {LINE_SCHEMA}, from a batch "
                "`trialkit screen`)"
            )
        lines.append(line)
    return lines


def screening_flow(protocol: Protocol, lines: list[dict[str, object]], analysed: int) -> Flow:
    """The flow of ``protocol``'s patients through the screening log into the analysis."""
    kinds = {c.id: c.kind for c in protocol.criteria}
    verdicts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    not_screened = 0
    for line in lines:
        if line.get("error") is not None:
            not_screened += 1
            continue
        screenings = line.get("screenings")
        found = [
            s
            for s in (screenings if isinstance(screenings, list) else [])
            if isinstance(s, dict) and s.get("protocol") == protocol.id
        ]
        if not found:
            continue
        screening = found[0]
        verdicts[str(screening.get("verdict"))] += 1
        criteria = screening.get("criteria")
        for criterion, status in criteria.items() if isinstance(criteria, dict) else []:
            kind = kinds.get(criterion)
            failed = (kind is CriterionKind.INCLUSION and status == "not_met") or (
                kind is CriterionKind.EXCLUSION and status == "met"
            )
            if failed:
                reasons[criterion] += 1
    return Flow(
        protocol=protocol.id,
        assessed=sum(verdicts.values()),
        eligible=verdicts["eligible"],
        ineligible=verdicts["ineligible"],
        undetermined=verdicts["undetermined"],
        not_screened=not_screened,
        analysed=analysed,
        reasons=dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
