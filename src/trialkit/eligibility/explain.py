"""Why a criterion has its status, as indented lines for a person to read.

The evaluator's :class:`~trialkit.eligibility.evaluate.Outcome` of a group says
only how its parts came out ("any of 2: 1 met, 1 unknown"); a reader needs the
parts that decided it. :func:`explain` walks a criterion's rule and its outcome
together and gives one line per part that matters:

- a group (all of / any of / at least): its count, then the parts that decide it
  (those agreeing with the group; every part for a count "at least k of n", so that
  an HLH-2004 count shows all of its components; every part while it is unknown);
- a negation: the fact it negates, in the fact's own words ("Can take drugs
  orally: yes"), never "not (…: yes)": the line's mark says how it counts;
- a data node: the evaluator's reason (values with their units and dates), and for
  a score its threshold and its components with their points (a formula: its inputs).

Used by ``trialkit screen``'s human output; the JSON (``docs/screen-json.md``)
keeps the evaluator's own reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialkit._wording import plural
from trialkit.eligibility.evaluate import Context, Outcome
from trialkit.eligibility.logic import Truth
from trialkit.protocol.criteria import AllOf, AnyOf, AtLeast, Node, Not, Score, children
from trialkit.scores import SCORE_SPECS, Item, Scored

__all__ = ["Line", "explain"]

_MARK = {Truth.TRUE: "✓", Truth.FALSE: "✗", Truth.UNKNOWN: "?"}
_COUNTED = (("met", Truth.TRUE), ("not met", Truth.FALSE), ("unknown", Truth.UNKNOWN))


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an explanation: its depth, the part's truth (None on the first line)."""

    depth: int
    truth: Truth | None
    text: str

    def render(self, indent: str = "  ") -> str:
        """Plain text: indented, with ✓ (met), ✗ (not met) or ? (unknown) before a part."""
        mark = "" if self.truth is None else f"{_MARK[self.truth]} "
        return f"{indent * self.depth}{mark}{self.text}"


def explain(node: Node, outcome: Outcome, context: Context) -> tuple[Line, ...]:
    """The lines explaining ``outcome``, the result of ``node`` for ``context``'s patient."""
    return tuple(_lines(node, outcome, context, 0, None))


def _lines(
    node: Node, outcome: Outcome, context: Context, depth: int, truth: Truth | None
) -> list[Line]:
    if isinstance(node, Not):
        return _negation(node, outcome, context, depth, truth)
    if isinstance(node, AllOf | AnyOf | AtLeast):
        head = Line(depth, truth, _heading(node, outcome))
        return [head, *_parts(node, outcome, context, depth + 1)]
    if isinstance(node, Score):
        return _score(node, outcome, context, depth, truth)
    return [Line(depth, truth, outcome.reason)]


def _negation(
    node: Not, outcome: Outcome, context: Context, depth: int, truth: Truth | None
) -> list[Line]:
    inner_node, inner = node.not_, outcome.children[0]
    if isinstance(inner_node, Not):
        return _lines(inner_node.not_, inner.children[0], context, depth, truth)
    if isinstance(inner_node, AllOf | AnyOf | AtLeast):
        head = Line(depth, truth, _negated_heading(inner_node, inner))
        return [head, *_parts(inner_node, inner, context, depth + 1)]
    # The negated fact in its own words; the mark (the negation's truth) says how it counts.
    return _lines(inner_node, inner, context, depth, truth)


def _parts(node: Node, outcome: Outcome, context: Context, depth: int) -> list[Line]:
    pairs = list(zip(children(node), outcome.children, strict=True))
    if not isinstance(node, AtLeast) and outcome.truth is not Truth.UNKNOWN:
        pairs = [(n, o) for n, o in pairs if o.truth is outcome.truth]
    return [line for n, o in pairs for line in _lines(n, o, context, depth, o.truth)]


def _counts(outcome: Outcome) -> str:
    truths = [child.truth for child in outcome.children]
    return ", ".join(f"{truths.count(truth)} {name}" for name, truth in _COUNTED if truth in truths)


def _heading(node: AllOf | AnyOf | AtLeast, outcome: Outcome) -> str:
    total = len(outcome.children)
    if isinstance(node, AllOf):
        what = "both of" if total == 2 else f"all {total} of"
    elif isinstance(node, AnyOf):
        what = f"any of {total}"
    else:
        what = f"at least {node.at_least} of {total}"
    return f"{what}: {_counts(outcome)}"


def _negated_heading(node: AllOf | AnyOf | AtLeast, outcome: Outcome) -> str:
    total = len(outcome.children)
    if isinstance(node, AllOf):
        what = f"not all {total} of"
    elif isinstance(node, AnyOf):
        what = f"none of {total}"
    else:
        what = f"fewer than {node.at_least} of {total}"
    return f"{what}: {_counts(outcome)}"


def _score(
    node: Score, outcome: Outcome, context: Context, depth: int, truth: Truth | None
) -> list[Line]:
    limit = f"required {outcome.threshold}" if outcome.threshold else ""
    lines = [Line(depth, truth, f"{outcome.reason} ({limit})" if limit else outcome.reason)]
    scored = _scored(node, context)
    items = () if scored is None else scored.result.items
    if any(item.counts for item in items):
        lines += [Line(depth + 1, None, _item(item)) for item in items]
    elif items:
        # A formula (eGFR, QTc): its inputs, not points.
        lines.append(Line(depth + 1, None, "; ".join(item.reason for item in items)))
    return lines


def _scored(node: Score, context: Context) -> Scored | None:
    """The score result the evaluator compared (its components; None for performance)."""
    if node.score == "performance":
        return None  # one level on one scale: the reason says it all
    spec = SCORE_SPECS[node.score]
    try:
        found = context.scores(spec.adapter)
    except ValueError:
        return None  # the evaluator's reason already says why it cannot be computed
    return next((s for s in found if s.result.score in spec.results), None)


def _item(item: Item) -> str:
    if item.points is not None:
        points = plural(item.points, "point")
    else:
        points = f"{item.low:g}–{item.high:g} points"
    counted = "" if item.counts else ", not counted"
    return f"{item.name.replace('_', ' ')} ({points}{counted}): {item.reason}"
