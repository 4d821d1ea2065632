"""The demonstration study database (``trialkit edc demo``): the five shipped protocols, two
sites, one user of each role per site, and synthetic subjects moving through their
schedules — each the protocol's example patient entered on its forms, screened,
consented, enrolled, its first visits filled, an adverse event where the protocol has
an adverse-event form, a query, a signature.

:func:`plausible_values` fills any form with values its edit checks accept (the middle
of a concept's plausible range, the first choice, ...): the demo and the tests use it
to walk every protocol's schedule without writing each form by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from importlib.resources import files

from trialkit.edc import enrolment, entry, review, safety, study
from trialkit.edc.access import Role
from trialkit.edc.casebook import casebook
from trialkit.edc.database import StudyDatabase
from trialkit.edc.entry import Entry
from trialkit.edc.fhir import form_entries
from trialkit.errors import EdcError
from trialkit.examples import INDEX_DATE, example
from trialkit.protocol.files import builtin_ids, builtin_protocol
from trialkit.protocol.forms import Form, FormItem
from trialkit.record.fhir import parse_bundle
from trialkit.vocab import ValueType, vocabulary

__all__ = [
    "DEMO_PASSWORD",
    "DemoSubject",
    "build_demo",
    "enrol_example",
    "plausible_values",
    "report_demo_event",
    "walk_first_visit",
]

DEMO_PASSWORD = "trialkit-demo"
"""Every demo user's password (a demonstration database, never a real one)."""

SITES = (("PAR", "Hôpital Necker-Enfants malades (demo)"), ("LYO", "HCL Lyon (demo)"))


def _value(item: FormItem, on: date) -> Entry | None:
    if item.concept is not None:
        concept = vocabulary()[item.concept]
        if concept.value_type is ValueType.QUANTITY and concept.plausible is not None:
            middle = (concept.plausible.low + concept.plausible.high) / 2
            return (f"{middle:.6g}", concept.unit)
        return "false" if concept.value_type is ValueType.BOOLEAN else None
    match item.type:
        case "number" | "integer":
            low = item.range[0] if item.range else 1
            return (f"{low:g}", item.unit) if item.type == "number" else str(int(low))
        case "date":
            return on.isoformat()
        case "datetime":
            return datetime.combine(on, time(9), UTC).isoformat()
        case "boolean":
            return "false"
        case "choice":
            return (item.choices or [])[0].code
        case "concept":
            wanted = set(item.kinds or ())
            return next((c.key for c in vocabulary().values() if c.kind in wanted), None)
        case _:
            return "demo"


def plausible_values(form: Form, on: date) -> dict[str, Entry]:
    """Values for every item of ``form`` that its edit checks accept without a query."""
    values: dict[str, Entry] = {}
    for item in form.items:
        value = _value(item, on)
        if value is not None:
            values[item.name] = value
    return values


@dataclass(frozen=True, slots=True)
class DemoSubject:
    """A demo subject: its protocol, study id and where it got to."""

    protocol_id: str
    label: str
    status: str


def _users(db: StudyDatabase) -> None:
    for code, name in SITES:
        study.add_site(db, "admin", code, name)
        for role in Role:
            if role is not Role.ADMINISTRATOR:
                username = f"{role.value}_{code.lower()}"
                study.add_user(
                    db, "admin", username, f"{role.value} ({code})", DEMO_PASSWORD, [(role, code)]
                )


def enrol_example(
    db: StudyDatabase, protocol_id: str, site: str, enrolled_on: date, *, screened_at: str
) -> str:
    """Register, enter, screen, consent and enrol the protocol's example eligible patient at
    ``site`` (on its forms, or from its bundle where the forms cannot hold all it needs);
    returns the study id."""
    nurse, investigator = f"research_nurse_{site.lower()}", f"investigator_{site.lower()}"
    bundle = json.dumps(example(f"{protocol_id}-eligible"))
    record = parse_bundle(bundle, f"{protocol_id}-eligible")
    born = record.birth_date.isoformat() if record.birth_date else "2015-01-01"
    sex = record.sex.value if record.sex else "unknown"
    label = enrolment.register_subject(db, nurse, protocol_id, site, born, sex)
    protocol = builtin_protocol(protocol_id)
    for found in form_entries(protocol, record):
        entry.save_form(
            db,
            nurse,
            protocol_id,
            label,
            found.form_id,
            found.values,
            visit_date=None if found.observed_on is None else found.observed_on.isoformat(),
        )
    verdict, _ = enrolment.screen_subject(db, investigator, protocol_id, label, at=screened_at)
    if verdict != "eligible":
        verdict, _ = enrolment.screen_subject(
            db, investigator, protocol_id, label, bundle=bundle, at=screened_at
        )
    if verdict != "eligible":
        raise EdcError(f"demo: the example patient of {protocol_id} screens {verdict}")
    day = enrolled_on.isoformat()
    enrolment.record_consent(db, nurse, protocol_id, label, "v1.0", day)
    enrolment.enrol(db, investigator, protocol_id, label, day)
    enrolment.set_anchor(db, investigator, protocol_id, label, "day1", day)
    return label


def build_demo(db: StudyDatabase, *, subjects_per_protocol: int = 2) -> list[DemoSubject]:
    """Fill a new database with the demo study; returns its subjects."""
    study.init_database(db, "admin", "Demo administrator", DEMO_PASSWORD)
    for protocol_id in builtin_ids():
        text = files("trialkit.protocol").joinpath(f"protocols/{protocol_id}.yaml")
        study.add_protocol(db, "admin", text.read_text(encoding="utf-8"), f"{protocol_id}.yaml")
    _users(db)
    today = db.clock().date()
    made = []
    for protocol_id in builtin_ids():
        protocol = builtin_protocol(protocol_id)
        for number in range(subjects_per_protocol):
            site = SITES[number % len(SITES)][0]
            label = enrol_example(
                db, protocol_id, site, today, screened_at=f"{INDEX_DATE}T12:00:00+00:00"
            )
            walk_first_visit(db, protocol_id, label, site, today)
            if any(f.records == "adverse_event" for f in protocol.forms):
                report_demo_event(db, protocol_id, label, site, today)
            made.append(DemoSubject(protocol_id, label, "enrolled"))
    return made


def walk_first_visit(
    db: StudyDatabase,
    protocol_id: str,
    label: str,
    site: str,
    today: date,
    password: str = DEMO_PASSWORD,
) -> int:
    """Fill every form of the subject's first due visit on ``today``; returns the number of
    forms saved. A query is opened on the first form and answered, the visit's forms signed."""
    nurse, investigator = f"research_nurse_{site.lower()}", f"investigator_{site.lower()}"
    protocol = builtin_protocol(protocol_id)
    forms = {f.id: f for f in protocol.forms}
    book = casebook(db, nurse, protocol_id, label)
    due = [v for v in book.visits if v.start <= today <= v.end]
    if not due:
        return 0
    visit = due[0]
    saved = []
    for form_id in visit.visit.forms:
        form = forms[form_id]
        values = plausible_values(form, today)
        if not values:
            continue
        saved.append(
            entry.save_form(
                db,
                nurse,
                protocol_id,
                label,
                form_id,
                values,
                visit=visit.visit.id,
                cycle=visit.cycle,
                visit_date=today.isoformat(),
                complete=True,
            )
        )
    if saved:
        query = review.open_query(
            db,
            f"monitor_{site.lower()}",
            protocol_id,
            label,
            saved[0].form_instance,
            "Source document verification: please confirm",
        )
        review.answer_query(db, nurse, protocol_id, query, "Confirmed against the source")
        review.sign(
            db,
            investigator,
            password,
            protocol_id,
            label,
            "I confirm these data are accurate",
            saved[0].form_instance,
        )
    return len(saved)


def report_demo_event(db: StudyDatabase, protocol_id: str, label: str, site: str, on: date) -> None:
    """A non-serious grade 1 lymphocyte count decrease, as a site would report one."""
    safety.report_adverse_event(
        db,
        f"investigator_{site.lower()}",
        protocol_id,
        label,
        {
            "term": "ae.lymphocyte_count_decreased",
            "grade": "1",
            "onset": on.isoformat(),
            "serious": "false",
        },
        override_reason="demo: the grade the investigator assessed",
    )
