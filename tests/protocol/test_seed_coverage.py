"""Every criterion line of each seed text is covered, verbatim, by a criterion of its protocol.

The seed texts (``seeds/``, copied from ``shared/seeds``) are the specification.
A line is covered when, after removing list markers and markdown escapes and
collapsing white space, it appears inside the ``text`` of some criterion.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trialkit.protocol.files import builtin_ids, builtin_protocol

SEEDS = Path(__file__).parent / "seeds"

# (seed file, first line of the eligibility section, first line after it)
SECTIONS = {
    "r-hlh": ("000_8eef0f207a7f3228.txt", "Inclusion Criteria", "Trial design"),
    "jak-hs-icu": ("001_1ad8ec957adba471.txt", "Inclusion Criteria", "Study & Design"),
    "hem-ismart-c": (
        "004_e424e624a06dc5ff.txt",
        "Eligibility criteria",
        "About Princess Maxima Center For Pediatric Oncology",
    ),
}
_HEADINGS = {
    "Inclusion Criteria",
    "Exclusion Criteria",
    "Inclusion Criteria:",
    "Exclusion Criteria:",
}


def normalise(text: str) -> str:
    """List markers, markdown escapes and runs of white space removed."""
    text = text.replace("\\", "")
    text = re.sub(r"^\s*(?:[-•*]\s*)+", "", text)
    return " ".join(text.split())


def seed_lines(protocol_id: str) -> list[str]:
    """The criterion lines of the protocol's seed (headings and blank lines left out)."""
    name, start, end = SECTIONS[protocol_id]
    lines = (SEEDS / name).read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip() == start)
    last = next(i for i, line in enumerate(lines) if i > first and line.strip() == end)
    found = [normalise(line) for line in lines[first + 1 : last]]
    return [line for line in found if line and line not in _HEADINGS]


@pytest.mark.parametrize("protocol_id", sorted(set(SECTIONS) & set(builtin_ids())))
def test_every_seed_criterion_line_is_in_a_criterion(protocol_id: str) -> None:
    protocol = builtin_protocol(protocol_id)
    texts = [" ".join(normalise(line) for line in c.text.splitlines()) for c in protocol.criteria]
    uncovered = [line for line in seed_lines(protocol_id) if not any(line in t for t in texts)]
    assert not uncovered, uncovered


# Seed 002 is an abstract, not a criteria list: the sentences that define its cohort.
SALVAGE_SEED = "002_dd8f68fb68175ef1.txt"
SALVAGE_COHORT = (
    "To investigate the efficacy and safety of the Janus kinase inhibitor ruxolitinib in the "
    "treatment of recurrent or refractory hemophagocytic lymphohistiocytosis (HLH) in children.",
    "We performed a retrospective analysis of ruxolitinib in children with recurrent or "
    "refractory HLH in Beijing Children's Hospital.",
    "All patients were treated firstly with HLH-94 protocol.",
    "Patients received oral ruxolitinib on a continuous 28-day cycle or until disease "
    "progression or unacceptable toxicity.",
    "After the first-line treatment, seven patients had no remission (NR). The other two "
    "patients relapsed within 2-4weeks after complete remission (CR).",
)


def test_salvage_cohort_sentences_are_quoted_in_the_criteria() -> None:
    abstract = normalise((SEEDS / SALVAGE_SEED).read_text(encoding="utf-8"))
    protocol = builtin_protocol("rux-hlh-salvage")
    texts = [" ".join(normalise(line) for line in c.text.splitlines()) for c in protocol.criteria]
    for sentence in SALVAGE_COHORT:
        assert sentence in abstract, f"not in the seed: {sentence}"
        assert any(sentence in t for t in texts), f"not quoted in a criterion: {sentence}"


def test_every_c_hlh_criterion_cites_the_registry_record() -> None:
    # Seed 003 has no eligibility list: the criteria are the registry record's, verbatim.
    protocol = builtin_protocol("c-hlh")
    registry = {s.id: s for s in protocol.sources}.get("registry")
    assert registry is not None and "NCT02472054" in registry.citation
    assert {r.id for r in protocol.registry} >= {"NCT02472054"}
    uncited = [c.id for c in protocol.criteria if c.source != "registry"]
    assert not uncited, f"criteria without the registry source: {uncited}"


def test_the_five_seed_protocols_ship() -> None:
    assert builtin_ids() == ("r-hlh", "jak-hs-icu", "rux-hlh-salvage", "c-hlh", "hem-ismart-c")
