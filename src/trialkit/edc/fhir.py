"""A subject's captured data as a FHIR R4 Bundle in trialkit's input profile
(``docs/fhir-input.md``), so that ``trialkit screen``, the scores and the endpoints
run on what the study database holds.

Each vocabulary item of a form becomes an Observation on the form's day (a quantity
in its canonical unit, or a boolean). Each instance of a repeating form becomes the
record entry its ``records`` names; its items are read by role:

- the item choosing a concept of the record's kinds is what the entry is (the drug,
  the condition, the CTCAE term, the gene, the care setting);
- the form's first date (or date-time) item is when the entry starts (start, onset,
  admission, the result's date; the date of death), its second when it ends;
- by id: ``route`` and ``dose`` / ``rate`` of a medication, ``verification`` of a
  condition, ``grade`` and ``serious`` of an adverse event, ``alteration`` and
  ``protein_change`` of a genomic finding.

The Patient carries the subject's study id (never a name), birth date and sex. A
value outside its concept's plausible range, which data entry accepts with a query,
is left out: the input profile refuses it (``docs/fhir-input.md``), and screening
must not rest on a value the site has not confirmed. The CSV and ODM exports carry it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from trialkit.edc.captured import CapturedForm, CapturedSubject
from trialkit.edc.values import Entry, number_text
from trialkit.protocol.forms import RECORD_KINDS, Form, FormItem
from trialkit.protocol.model import Protocol
from trialkit.record import PatientRecord
from trialkit.record.bundle import BundleBuilder, JSONObject
from trialkit.units import Quantity
from trialkit.vocab import ValueType, vocabulary

__all__ = ["FormEntry", "form_entries", "subject_bundle"]


def subject_bundle(protocol: Protocol, subject: CapturedSubject) -> JSONObject:
    """The subject's captured data as a FHIR R4 Bundle (a JSON-ready dict)."""
    builder = BundleBuilder(subject.label, subject.birth_date, subject.sex or "unknown")
    forms = {f.id: f for f in protocol.forms}
    for captured in subject.forms:
        form = forms.get(captured.form_id)
        if form is None:
            continue
        if form.records is None:
            _observations(builder, form, captured)
        else:
            _entry(builder, form, captured)
    return builder.build()


def _observations(builder: BundleBuilder, form: Form, captured: CapturedForm) -> None:
    if captured.observed_on is None:
        return
    vocab = vocabulary()
    for item in captured.items:
        key = item.item
        if key not in vocab:
            continue
        concept = vocab[key]
        if concept.value_type is ValueType.QUANTITY and item.unit is not None:
            value = float(item.value)
            bounds = concept.plausible
            if bounds is not None and not bounds.low <= value <= bounds.high:
                continue  # accepted with a query; the input profile refuses it (module docstring)
            reference = (
                None
                if item.reference_low is None and item.reference_high is None
                else (item.reference_low, item.reference_high)
            )
            builder.quantity(key, value, item.unit, captured.observed_on, reference=reference)
        elif concept.value_type is ValueType.BOOLEAN:
            builder.flag(key, item.value == "true", captured.observed_on)


def _when(value: str | None) -> date | datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)


def _entry(builder: BundleBuilder, form: Form, captured: CapturedForm) -> None:
    dates = [i.name for i in form.items if i.type in ("date", "datetime")]
    start = _when(captured.value(dates[0])) if dates else None
    end = _when(captured.value(dates[1])) if len(dates) > 1 else None
    if form.records == "death":
        if start is not None:
            builder.entries[0]["deceasedDateTime"] = start.isoformat()
        return
    wanted = set(RECORD_KINDS[form.records or ""])
    what = next((i.name for i in form.items if set(i.kinds or ()) & wanted), None)
    key = None if what is None else captured.value(what)
    if key is None or start is None:
        return  # an incomplete record: the form's required-item queries say so
    value = captured.value
    if form.records == "medication":
        dose = value("dose")
        rate = value("rate")
        units = {i.name: i.unit for i in form.items}
        builder.medication(
            key,
            start,
            end,
            dose=None if dose is None else (float(dose), units["dose"] or "1"),
            rate=None if rate is None else (float(rate), units["rate"] or "1"),
            route=value("route"),
        )
    elif form.records == "condition":
        builder.condition(key, start, end, verification=value("verification") or "confirmed")
    elif form.records == "procedure":
        builder.procedure(key, start, end)
    elif form.records == "stay":
        builder.stay(key.removeprefix("setting."), start, end)
    elif form.records == "adverse_event":
        grade = value("grade")
        serious = value("serious")
        builder.adverse_event(
            key.removeprefix("ae."),
            start,
            None if grade is None else int(grade),
            None if serious is None else serious == "true",
        )
    elif form.records == "genomic_finding":
        builder.variant((key,), value("alteration") or "variant", start, value("protein_change"))


@dataclass(frozen=True, slots=True)
class FormEntry:
    """Values for one form, read from a patient record: what :func:`form_entries` gives."""

    form_id: str
    values: dict[str, Entry]
    observed_on: date | None = None


def form_entries(protocol: Protocol, record: PatientRecord) -> list[FormEntry]:
    """A hospital's record (read from its FHIR bundle) as entries of the protocol's forms:
    the observations of the concepts a form captures, grouped by day (as entered, with the
    unit sent), each medication, diagnosis, procedure, stay, adverse event and genomic
    finding as a record of its repeating form, and the death. What no form captures is
    left out (``protocol check`` lists what the forms capture)."""
    owner: dict[str, str] = {}
    for form in protocol.forms:
        if form.records is None:
            for item in form.items:
                if item.concept is not None:
                    owner.setdefault(item.concept, form.id)
    grouped: dict[tuple[str, date], dict[str, Entry]] = {}
    for key, observations in record.observations.items():
        form_id = owner.get(key)
        if form_id is None:
            continue
        for observation in observations:
            value: Entry
            if observation.quantity is not None and (
                observation.reference_low is not None or observation.reference_high is not None
            ):
                # the record keeps the normal range in the canonical unit: so the value
                value = (
                    number_text(float(observation.value or 0)),
                    vocabulary()[key].unit,
                    None
                    if observation.reference_low is None
                    else number_text(observation.reference_low),
                    None
                    if observation.reference_high is None
                    else number_text(observation.reference_high),
                )
            elif observation.quantity is not None:
                value = (
                    f"{observation.quantity.value:.12g}",
                    observation.quantity.unit,
                )
            elif isinstance(observation.value, bool):
                value = "true" if observation.value else "false"
            else:
                continue
            grouped.setdefault((form_id, observation.time.date()), {})[key] = value
    entries = [FormEntry(f, values, day) for (f, day), values in sorted(grouped.items())]
    for form in protocol.forms:
        if form.records is not None and form.records != "death":
            entries.extend(FormEntry(form.id, v) for v in _records(form, record))
    if record.deceased is not None:
        death = next((f for f in protocol.forms if f.records == "death"), None)
        dates = [] if death is None else [i for i in death.items if i.type in ("date", "datetime")]
        if death is not None and dates:
            entries.append(FormEntry(death.id, {dates[0].name: _shown(dates[0], record.deceased)}))
    return entries


def _shown(item: FormItem, moment: datetime) -> str:
    """A record's wall-clock time as a form's date or date-time (the record keeps no offset:
    written as UTC, and read back to the same wall-clock time)."""
    if item.type == "datetime":
        return moment.replace(tzinfo=UTC).isoformat()
    return moment.date().isoformat()


def _records(form: Form, record: PatientRecord) -> list[dict[str, Entry]]:
    """The record's entries of the kind ``form`` records, as its values (the roles of the
    module docstring, read the other way)."""
    dates = [i for i in form.items if i.type in ("date", "datetime")]
    if not dates:
        return []
    wanted = set(RECORD_KINDS[form.records or ""])
    what = next((i for i in form.items if set(i.kinds or ()) & wanted), None)
    if what is None:
        return []
    items = {i.name: i for i in form.items}
    found: list[dict[str, Entry]] = []

    def entry(
        key: str,
        start: datetime,
        end: datetime | None,
        **extra: Entry | None,
    ) -> None:
        values: dict[str, Entry] = {
            what.name: key,
            dates[0].name: _shown(dates[0], start),
        }
        if end is not None and len(dates) > 1:
            values[dates[1].name] = _shown(dates[1], end)
        for name, value in extra.items():
            item = items.get(name)
            if value is None or item is None:
                continue
            if item.type == "choice" and value not in {c.code for c in item.choices or ()}:
                continue
            values[name] = value
        found.append(values)

    match form.records:
        case "medication":
            for exposure in record.exposures:
                entry(
                    exposure.concept,
                    exposure.start,
                    exposure.end,
                    route=exposure.route,
                    dose=_quantity(exposure.dose),
                    rate=_quantity(exposure.rate),
                )
        case "condition":
            for condition in record.conditions:
                entry(
                    condition.concept,
                    condition.onset,
                    condition.abatement,
                    verification=condition.verification or "confirmed",
                )
        case "procedure":
            for procedure in record.procedures:
                entry(procedure.concept, procedure.start, procedure.end)
        case "stay":
            for stay in record.stays:
                entry(f"setting.{stay.setting.value}", stay.start, stay.end)
        case "adverse_event":
            for event in record.adverse_events:
                if event.term is not None:
                    entry(
                        f"ae.{event.term}",
                        event.onset,
                        None,
                        grade=None if event.grade is None else str(event.grade),
                        serious=None if event.serious is None else str(event.serious).lower(),
                    )
        case "genomic_finding":
            for finding in record.genomics:
                for gene in finding.genes:
                    entry(
                        gene,
                        finding.time,
                        None,
                        alteration=finding.alteration.value,
                        protein_change=finding.protein_change,
                    )
    return found


def _quantity(quantity: Quantity | None) -> tuple[str, str | None] | None:
    return None if quantity is None else (f"{quantity.value:.12g}", quantity.unit)
