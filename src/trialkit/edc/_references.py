"""OID references of an ODM 1.3.2 series, resolved (:func:`trialkit.edc.odm.check_references`).

The ODM schema declares references as plain strings (``oidref``), since they
may cross files (ODM 1.3.2 §2.11): no XML Schema can check them. This walks the
definitions of every document given, then every reference.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

__all__ = ["problems"]

_DEFINITIONS = ("StudyEventDef", "FormDef", "ItemGroupDef", "ItemDef", "CodeList")
_METADATA_REFERENCES = {
    "StudyEventRef": ("StudyEventOID", "StudyEventDef"),
    "FormRef": ("FormOID", "FormDef"),
    "ItemGroupRef": ("ItemGroupOID", "ItemGroupDef"),
    "ItemRef": ("ItemOID", "ItemDef"),
    "CodeListRef": ("CodeListOID", "CodeList"),
}


class _Walk:
    def __init__(self, roots: list[ET.Element], namespace: str) -> None:
        self.ns = namespace
        self.found: list[str] = []
        self.metadata: dict[tuple[str, str], dict[str, dict[str, ET.Element]]] = {}
        self.units: dict[str, set[str]] = {}
        self.locations: set[str] = set()
        self.roots = roots
        for root in roots:
            for study in root.findall(self.q("Study")):
                study_oid = study.get("OID", "")
                self.units.setdefault(study_oid, set()).update(
                    m.get("OID", "") for m in study.iter(self.q("MeasurementUnit"))
                )
                for version in study.findall(self.q("MetaDataVersion")):
                    self.metadata[(study_oid, version.get("OID", ""))] = {
                        kind: {e.get("OID", ""): e for e in version.findall(self.q(kind))}
                        for kind in _DEFINITIONS
                    }
            for location in root.iter(self.q("Location")):
                self.locations.add(location.get("OID", ""))

    def q(self, tag: str) -> str:
        return f"{{{self.ns}}}{tag}"

    def tag(self, element: ET.Element) -> str:
        return element.tag.removeprefix(f"{{{self.ns}}}")

    def run(self) -> tuple[str, ...]:
        files = {r.get("FileOID") for r in self.roots}
        for root in self.roots:
            prior = root.get("PriorFileOID")
            if prior is not None and prior not in files:
                self.found.append(
                    f"ODM {root.get('FileOID')}: PriorFileOID {prior!r} is none of the documents"
                )
            for study in root.findall(self.q("Study")):
                for version in study.findall(self.q("MetaDataVersion")):
                    self.check_metadata(study.get("OID", ""), version)
            for reference in root.iter(self.q("MetaDataVersionRef")):
                self.version(reference, "Location")
            for clinical in root.findall(self.q("ClinicalData")):
                self.check_clinical(clinical)
        return tuple(self.found)

    def version(self, element: ET.Element, where: str) -> dict[str, dict[str, ET.Element]] | None:
        key = (element.get("StudyOID", ""), element.get("MetaDataVersionOID", ""))
        found = self.metadata.get(key)
        if found is None:
            self.found.append(f"{where}: no MetaDataVersion {key[1]!r} in a Study {key[0]!r}")
        return found

    def check_metadata(self, study: str, version: ET.Element) -> None:
        definitions = self.metadata[(study, version.get("OID", ""))]
        for element in version.iter():
            name = self.tag(element)
            owner = f"MetaDataVersion {version.get('OID')}"
            if name in _METADATA_REFERENCES:
                attribute, kind = _METADATA_REFERENCES[name]
                oid = element.get(attribute, "")
                if oid not in definitions[kind]:
                    self.found.append(f"{owner}: {name} {attribute} {oid!r}: no {kind} {oid!r}")
            elif name == "MeasurementUnitRef":
                self.unit(study, element, owner)
            elif name in ("FlagValue", "FlagType"):
                self.code_list(definitions, element, owner)

    def unit(self, study: str, element: ET.Element, where: str) -> None:
        oid = element.get("MeasurementUnitOID", "")
        if oid not in self.units.get(study, set()):
            self.found.append(f"{where}: MeasurementUnitRef {oid!r}: no MeasurementUnit {oid!r}")

    def code_list(
        self, definitions: dict[str, dict[str, ET.Element]], element: ET.Element, where: str
    ) -> None:
        oid = element.get("CodeListOID", "")
        codes = definitions["CodeList"].get(oid)
        name = self.tag(element)
        if codes is None:
            self.found.append(f"{where}: {name} CodeListOID {oid!r}: no CodeList {oid!r}")
        elif (element.text or "") not in self.coded_values(codes):
            self.found.append(f"{where}: {name} {element.text!r} is not in CodeList {oid!r}")

    def coded_values(self, codes: ET.Element) -> set[str]:
        return {c.get("CodedValue", "") for c in codes.findall(self.q("CodeListItem"))}

    def refs(self, definition: ET.Element, tag: str, attribute: str) -> set[str]:
        return {r.get(attribute, "") for r in definition.findall(self.q(tag))}

    def check_clinical(self, clinical: ET.Element) -> None:
        definitions = self.version(clinical, "ClinicalData")
        if definitions is None:
            return
        study = clinical.get("StudyOID", "")
        for subject in clinical.findall(self.q("SubjectData")):
            where = f"SubjectData {subject.get('SubjectKey')}"
            for site in subject.findall(self.q("SiteRef")):
                if site.get("LocationOID") not in self.locations:
                    self.found.append(
                        f"{where}: SiteRef {site.get('LocationOID')!r}: no Location of that OID"
                    )
            for event in subject.findall(self.q("StudyEventData")):
                self.check_event(study, definitions, event, where)

    def check_event(
        self,
        study: str,
        definitions: dict[str, dict[str, ET.Element]],
        event: ET.Element,
        where: str,
    ) -> None:
        oid = event.get("StudyEventOID", "")
        definition = definitions["StudyEventDef"].get(oid)
        if definition is None:
            self.found.append(f"{where}: StudyEventData {oid!r}: no StudyEventDef {oid!r}")
            return
        where = f"{where}, event {oid}"
        repeating = definition.get("Repeating") == "Yes"
        if repeating != (event.get("StudyEventRepeatKey") is not None):
            self.found.append(f"{where}: a repeat key goes with a repeating event, only there")
        carried = self.refs(definition, "FormRef", "FormOID")
        for form in event.findall(self.q("FormData")):
            form_oid = form.get("FormOID", "")
            form_def = definitions["FormDef"].get(form_oid)
            if form_def is None or form_oid not in carried:
                self.found.append(f"{where}: FormData {form_oid!r}: no FormDef the event carries")
                continue
            here = f"{where}, form {form_oid}"
            if (form_def.get("Repeating") == "Yes") != (form.get("FormRepeatKey") is not None):
                self.found.append(f"{here}: a repeat key goes with a repeating form, only there")
            for flag in form.iter(self.q("Flag")):
                for value in flag:
                    self.code_list(definitions, value, here)
            groups = self.refs(form_def, "ItemGroupRef", "ItemGroupOID")
            for group in form.findall(self.q("ItemGroupData")):
                self.check_group(study, definitions, group, groups, here)

    def check_group(
        self,
        study: str,
        definitions: dict[str, dict[str, ET.Element]],
        group: ET.Element,
        groups: set[str],
        where: str,
    ) -> None:
        oid = group.get("ItemGroupOID", "")
        group_def = definitions["ItemGroupDef"].get(oid)
        if group_def is None or oid not in groups:
            self.found.append(f"{where}: ItemGroupData {oid!r}: no ItemGroupDef the form holds")
            return
        items = self.refs(group_def, "ItemRef", "ItemOID")
        for data in group.findall(self.q("ItemData")):
            item_oid = data.get("ItemOID", "")
            item_def = definitions["ItemDef"].get(item_oid)
            if item_def is None or item_oid not in items:
                self.found.append(f"{where}: ItemData {item_oid!r}: no ItemDef the group holds")
                continue
            here = f"{where}, item {item_oid}"
            for unit in data.findall(self.q("MeasurementUnitRef")):
                self.unit(study, unit, here)
                allowed = self.refs(item_def, "MeasurementUnitRef", "MeasurementUnitOID")
                if unit.get("MeasurementUnitOID") not in allowed:
                    self.found.append(f"{here}: unit {unit.get('MeasurementUnitOID')!r} not listed")
            reference = item_def.find(self.q("CodeListRef"))
            if reference is not None:
                codes = definitions["CodeList"].get(reference.get("CodeListOID", ""))
                if codes is not None and data.get("Value") not in self.coded_values(codes):
                    self.found.append(
                        f"{here}: value {data.get('Value')!r} is not in its code list"
                    )


def problems(roots: list[ET.Element], namespace: str) -> tuple[str, ...]:
    """Every reference of the documents ``roots`` (one series) that does not resolve."""
    return _Walk(roots, namespace).run()
