"""Loading and indexing ``concepts.yaml``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from importlib.resources import files

import yaml
from pydantic import ValidationError

from trialkit.errors import DefinitionError, VocabularyError
from trialkit.vocab.model import PROJECT_SYSTEM, SYSTEMS, Code, Concept, History, Kind

__all__ = ["Vocabulary", "concept", "vocabulary"]

_ICD10 = frozenset({SYSTEMS["icd10"], SYSTEMS["icd10cm"]})
#: HGNC as FHIR codings name it: the canonical URI and the MII / genomics-reporting ``/geneId`` form.
_HGNC = frozenset({SYSTEMS["hgnc"], SYSTEMS["hgnc"] + "/geneId"})
_HGNC_ID = "HGNC:"
#: Other URIs of a code system that bundles send, read as the vocabulary's own. MedDRA: HL7
#: Terminology (THO) named it http://terminology.hl7.org/CodeSystem/mdr before its canonical
#: https://www.meddra.org (THO CodeSystem "mdr", 2023), and the retired MDRAE ("MedDRA Am Engl",
#: THO, retired 2021-11-09) is what the HL7 Adverse Event Clinical Research R4 backport IG's
#: examples code events with.
_SYSTEM_ALIASES = {
    "http://terminology.hl7.org/CodeSystem/mdr": SYSTEMS["meddra"],
    "http://terminology.hl7.org/CodeSystem/MDRAE": SYSTEMS["meddra"],
}


class Vocabulary(Mapping[str, Concept]):
    """The concepts by key, and a reverse index from (system URI, code) to concept."""

    def __init__(self, concepts: list[Concept]) -> None:
        self._by_key: dict[str, Concept] = {}
        self._by_code: dict[tuple[str, str], tuple[Concept, Code | None]] = {}
        self._by_symbol: dict[str, Concept] = {}
        for item in concepts:
            if item.key in self._by_key:
                raise DefinitionError(f"concepts.yaml: duplicate concept key {item.key!r}")
            self._by_key[item.key] = item
            self._by_code[(PROJECT_SYSTEM, item.key)] = (item, None)
            for code in item.codes:
                ref = (code.uri, code.code)
                other = self._by_code.get(ref)
                if other is not None and other[0].key != item.key:
                    raise DefinitionError(
                        f"concepts.yaml: code {code.system}|{code.code} is given to both "
                        f"{other[0].key!r} and {item.key!r}"
                    )
                self._by_code[ref] = (item, code)
            for symbol in item.symbols:
                twin = self._by_symbol.setdefault(symbol, item)
                if twin is not item:
                    raise DefinitionError(
                        f"concepts.yaml: gene symbol {symbol!r} is given to both "
                        f"{twin.key!r} and {item.key!r}"
                    )
        for item in concepts:
            for ref_key in (
                *item.members,
                *item.allergens,
                *item.broader,
                *([item.gene] if item.gene else []),
            ):
                if ref_key not in self._by_key:
                    raise DefinitionError(
                        f"concepts.yaml: {item.key!r} refers to unknown {ref_key!r}"
                    )

        self._sections: dict[tuple[str, str, bool], Concept] = {
            (code.uri, code.code, item.complete): item
            for item in concepts
            for code in item.sections
        }
        closing: dict[History, list[str]] = {}
        allergies: dict[str, list[str]] = {}
        for item in concepts:
            for history in item.closes:
                closing.setdefault(history, []).append(item.key)
            for allergen in item.allergens:
                found = self._by_key[allergen]
                for drug in (allergen, *found.members):
                    allergies.setdefault(drug, []).append(item.key)
        self._closing = {h: tuple(keys) for h, keys in closing.items()}
        self._allergies = {d: tuple(dict.fromkeys(keys)) for d, keys in allergies.items()}

    def __getitem__(self, key: str) -> Concept:
        try:
            return self._by_key[key]
        except KeyError:
            raise VocabularyError(f"unknown concept {key!r}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def get(self, key: str, default: Concept | None = None) -> Concept | None:  # type: ignore[override]
        """The concept ``key``, or ``default`` (Mapping.get would raise: unknown keys are errors)."""
        return self._by_key.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)

    def by_code(self, system: str, code: str) -> Concept | None:
        """The concept meant by a coding, or None. ``system`` is a FHIR URI."""
        found = self.lookup(system, code)
        return None if found is None else found[0]

    def lookup(self, system: str, code: str) -> tuple[Concept, Code | None] | None:
        """The concept and the vocabulary's code row for a coding (None for a project code).

        ICD-10 codes also match by their category: the vocabulary lists
        three-character categories (A15 for tuberculosis), and a hospital sends
        subcategories (A15.0), which mean the same condition more precisely.

        A gene coding (``http://www.genenames.org`` or ``.../geneId``) matches by
        its HGNC id (``HGNC:6192``) or, when the code is not an HGNC id, by the
        HGNC approved or previous symbol (``JAK2``), case-sensitively as HGNC
        writes them (docs/fhir-input.md; HGNC guidelines, Bruford EA et al., Nat
        Genet 2020;52:754). HGNC alias symbols never match: they are not unique.

        MedDRA codings match under the older HL7 URIs of MedDRA too (``_SYSTEM_ALIASES``).
        """
        if system in _HGNC:
            if not code.startswith(_HGNC_ID):
                gene = self._by_symbol.get(code)
                return None if gene is None else (gene, _hgnc_code(gene))
            system = SYSTEMS["hgnc"]
        system = _SYSTEM_ALIASES.get(system, system)
        found = self._by_code.get((system, code))
        if found is None and system in _ICD10 and "." in code:
            found = self._by_code.get((system, code.split(".", 1)[0]))
        return found

    def history_of(self, key: str) -> History | None:
        """The history a concept belongs to: where a statement of absence means "none"."""
        item = self[key]
        if item.kind in (Kind.DRUG, Kind.DRUG_CLASS):
            return History.MEDICATIONS
        if item.kind is Kind.PROCEDURE:
            return History.PROCEDURES
        if item.kind is Kind.CONDITION:
            return item.history or History.PROBLEMS
        return None

    def closing(self, history: History) -> tuple[str, ...]:
        """The statements (absences, attestations) that state ``history`` complete."""
        return self._closing.get(history, ())

    def section_absence(self, system: str, code: str, complete: bool = False) -> Concept | None:
        """The statement a record section (a List's code) makes: empty, or ``complete``."""
        return self._sections.get((system, code, complete))

    def coded_completely(self, key: str) -> frozenset[str]:
        """Code systems (URIs) in which the vocabulary lists every code of ``key``.

        ICD-10 (and ICD-10-CM) only: a condition is listed by its categories and a
        subcategory matches its category, so an ICD-10 code the vocabulary does not
        know is not a concept that has ICD-10 codes. SNOMED CT and RxNorm are
        hierarchies (a narrower code or a product may mean the concept), and ATC
        gives combinations their own codes: an unknown code there may be the concept.
        A drug class is complete in a system only when each member is.
        """
        item = self[key]
        items = [self[m] for m in item.members] if item.kind is Kind.DRUG_CLASS else [item]
        if items and all(any(c.uri in _ICD10 for c in i.codes) for i in items):
            return _ICD10
        return frozenset()

    def cannot_mean(self, codings: tuple[str, ...], key: str) -> bool:
        """Whether one of ``codings`` (``system|code``, unknown to the vocabulary) rules ``key`` out."""
        complete = self.coded_completely(key)
        return any(coding.split("|", 1)[0] in complete for coding in codings)

    def allergy_conditions(self, drug: str) -> tuple[str, ...]:
        """The hypersensitivity conditions an allergy to ``drug`` (a drug key) is."""
        return self._allergies.get(drug, ())

    def code_for(self, key: str, system: str) -> str | None:
        """The first code of concept ``key`` in ``system`` (short name or URI), or None."""
        uri = SYSTEMS.get(system, system)
        for code in self[key].codes:
            if code.uri == uri:
                return code.code
        return None


def _hgnc_code(gene: Concept) -> Code | None:
    return next((code for code in gene.codes if code.uri == SYSTEMS["hgnc"]), None)


def _parse(text: str, origin: str) -> Vocabulary:
    try:
        rows = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        raise DefinitionError(f"{origin}: invalid YAML: {error}") from None
    if not isinstance(rows, list):
        raise DefinitionError(f"{origin}: expected a list of concepts")
    concepts: list[Concept] = []
    for index, row in enumerate(rows):
        try:
            concepts.append(Concept.model_validate(row))
        except ValidationError as error:
            key = row.get("key", f"#{index}") if isinstance(row, dict) else f"#{index}"
            raise DefinitionError(f"{origin}: concept {key}: {error}") from None
    return Vocabulary(concepts)


@cache
def vocabulary() -> Vocabulary:
    """The packaged vocabulary (loaded and validated once per process)."""
    resource = files("trialkit.vocab").joinpath("concepts.yaml")
    return _parse(resource.read_text(encoding="utf-8"), "concepts.yaml")


def concept(key: str) -> Concept:
    """The packaged concept ``key``; :class:`VocabularyError` if there is none."""
    return vocabulary()[key]
