"""Coded answers of a qualitative result, read as present or absent (``answers.yaml``).

A laboratory or a clinician codes a yes/no result as an answer: SNOMED CT
qualifier values (Positive 10828004, Not detected 260415000, ...) or LOINC
answers (LA6576-8 Positive, LA11883-8 Not detected, ...). Every answer trialkit
reads as present or absent is a row of ``answers.yaml`` with the source that
was checked; a reader asks :func:`answer_truth` and spells no code itself.
Equivocal, inconclusive and indeterminate answers are not listed: they are
neither present nor absent.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import yaml
from pydantic import ValidationError

from trialkit.errors import DefinitionError
from trialkit.vocab.model import SYSTEMS, Code

__all__ = ["Answer", "answer_truth", "answers"]


class Answer(Code):
    """A coded answer and whether it says present (True) or absent (False)."""

    present: bool


def _parse(text: str, origin: str) -> dict[tuple[str, str], Answer]:
    rows = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(rows, list):
        raise DefinitionError(f"{origin}: expected a list of answers")
    found: dict[tuple[str, str], Answer] = {}
    for index, row in enumerate(rows):
        try:
            item = Answer.model_validate(row)
        except ValidationError as error:
            raise DefinitionError(f"{origin}: answer #{index}: {error}") from None
        ref = (item.uri, item.code)
        if ref in found:
            raise DefinitionError(f"{origin}: answer {item.system}|{item.code} is listed twice")
        found[ref] = item
    return found


@cache
def answers() -> dict[tuple[str, str], Answer]:
    """The packaged answers by (system URI, code), loaded and validated once per process."""
    resource = files("trialkit.vocab").joinpath("answers.yaml")
    return _parse(resource.read_text(encoding="utf-8"), "answers.yaml")


def answer_truth(system: str, code: str) -> bool | None:
    """True for a present answer, False for an absent one, None for any other coding.

    ``system`` is a FHIR URI (``http://snomed.info/sct``) or a short name of
    :data:`~trialkit.vocab.model.SYSTEMS` (``snomed``).
    """
    found = answers().get((SYSTEMS.get(system, system), code))
    return None if found is None else found.present
