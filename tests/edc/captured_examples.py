"""Captured data that fits a protocol: every form of every visit, every item given a value.

Built from the protocol alone (no database), for the export tests: each visit's
forms (a visit of every cycle in cycles 1 and 2), then the forms recorded
outside visits (a repeating form twice, the death form once).
"""

from __future__ import annotations

from trialkit.edc._items import ItemValue, decimal_text, item_value
from trialkit.edc.captured import FORM_STATUSES, CapturedForm, CapturedItem, CapturedSubject
from trialkit.protocol.model import Protocol

TEXT = 'Free text with <markup> & "quotes",\r\nlines\tand tabs'


def sample(value: ItemValue) -> CapturedItem:
    """A canonical value of the item's kind, inside its range."""
    text = {
        "number": decimal_text(value.bounds.low) if value.bounds else "4.5",
        "integer": decimal_text(value.bounds.high) if value.bounds else "3",
        "date": "2026-01-31",
        "datetime": "2026-01-31T08:30:00",
        "boolean": "true",
        "choice": value.answers[-1].code if value.answers else "",
        "text": TEXT,
    }[value.kind]
    return CapturedItem(value.name, text, value.unit if value.kind == "number" else None)


def subject(protocol: Protocol, label: str = "PAR-0007-X", site: str = "075") -> CapturedSubject:
    """One subject with every form of ``protocol`` filled in."""
    forms = {f.id: f for f in protocol.forms}
    captured: list[CapturedForm] = []

    def add(form_id: str, visit: str | None, cycle: int, sequence: int) -> None:
        form = forms[form_id]
        items = tuple(sample(item_value(form, i)) for i in form.items)
        status = FORM_STATUSES[len(captured) % len(FORM_STATUSES)]
        captured.append(CapturedForm(form_id, visit, cycle, sequence, status, items))

    visits = protocol.schedule.visits if protocol.schedule else []
    for visit in visits:
        for cycle in (1, 2) if visit.every_cycle else (0,):
            for form_id in visit.forms:
                add(form_id, visit.id, cycle, 1)
    on_visits = {f for v in visits for f in v.forms}
    for form in protocol.forms:
        if form.repeating:
            add(form.id, None, 0, 1)
            add(form.id, None, 0, 2)
        elif form.id not in on_visits:
            add(form.id, None, 0, 1)
    return CapturedSubject(label, site, tuple(captured))
