"""Exports of the study database, in one folder: one FHIR R4 bundle per subject
(trialkit's input profile, so ``trialkit screen``, ``scores`` and ``analyse`` run on
captured data), one CSV per form (a row per form record, canonical values, units in
the header), the CDISC ODM 1.3.2 study and clinical documents (``odm/``), and the
REDCap data dictionary of the forms."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import select

from trialkit.edc.access import Action, require
from trialkit.edc.captured import CapturedSubject
from trialkit.edc.casebook import captured, record_of, user_named
from trialkit.edc.database import StudyDatabase
from trialkit.edc.odm import clinical_odm, study_odm
from trialkit.edc.redcap import redcap_dictionary
from trialkit.edc.schema import Site, Subject
from trialkit.edc.study import current_study, protocol_of
from trialkit.errors import EdcError
from trialkit.protocol.model import Protocol

__all__ = ["export_subjects", "form_rows"]


def form_rows(protocol: Protocol, subjects: list[CapturedSubject]) -> dict[str, list[list[str]]]:
    """Each form's table: a header, then a row per record of the form."""
    tables: dict[str, list[list[str]]] = {}
    for form in protocol.forms:
        header = ["subject", "site", "visit", "cycle", "sequence", "status", "observed_on"]
        header += [i.name + (f" [{i.shown_unit}]" if i.shown_unit else "") for i in form.items]
        rows = [header]
        for subject in subjects:
            for record in subject.forms:
                if record.form_id != form.id:
                    continue
                rows.append(
                    [
                        subject.label,
                        subject.site,
                        record.visit_id or "",
                        str(record.cycle),
                        str(record.sequence),
                        record.status,
                        "" if record.observed_on is None else record.observed_on.isoformat(),
                    ]
                    + [record.value(i.name) or "" for i in form.items]
                )
        tables[form.id] = rows
    return tables


def export_subjects(db: StudyDatabase, username: str, protocol_id: str, out: Path) -> int:
    """Write the bundles and form tables of the subjects whose sites ``username`` may
    export, into the new folder ``out``; returns how many subjects."""
    with db.reading() as session:
        user = user_named(session, username)
        protocol = protocol_of(current_study(session, protocol_id))
        subjects: list[CapturedSubject] = []
        rows = session.execute(
            select(Subject, Site)
            .join(Site, Site.id == Subject.site_id)
            .where(Subject.protocol_id == protocol_id)
            .order_by(Subject.label)
        ).all()
        allowed: dict[int, bool] = {}
        for subject, site in rows:
            if site.id not in allowed:
                try:
                    require(session, user, Action.EXPORT, site)
                    allowed[site.id] = True
                except EdcError:
                    allowed[site.id] = False
            if allowed[site.id]:
                subjects.append(captured(session, subject, site))
        if not any(allowed.values()) and rows:
            raise EdcError(f"user {username}: may not export data at any site of {protocol_id}")
    (out / "bundles").mkdir(parents=True)
    (out / "forms").mkdir()
    for data in subjects:
        bundle, _ = record_of(protocol, data)
        (out / "bundles" / f"{data.label}.json").write_text(
            json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    for form_id, table in form_rows(protocol, subjects).items():
        with (out / "forms" / f"{form_id}.csv").open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(table)
    (out / "odm").mkdir()
    (out / "odm" / "study.xml").write_bytes(study_odm(protocol))
    (out / "odm" / "clinical.xml").write_bytes(clinical_odm(protocol, subjects))
    (out / "redcap_dictionary.csv").write_text(redcap_dictionary(protocol), encoding="utf-8")
    return len(subjects)
