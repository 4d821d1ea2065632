"""``trialkit edc``: the study database from the command line — create it, add protocols,
sites, users and roles, check the audit chain, see the enrolment gate, export.

Every command acts as ``--user`` through the services (``trialkit.edc``), which apply
the user's roles and sites and write the audit trail. A password is read from the
``TRIALKIT_PASSWORD`` environment variable, else asked at the prompt (never an option:
it would stay in the shell history).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import select

from trialkit.cli import app

if TYPE_CHECKING:
    from trialkit.edc.database import StudyDatabase
    from trialkit.edc.values import Entry

__all__ = ["edc_app"]

edc_app = typer.Typer(help="The study database: set up, audit, gate, export.", no_args_is_help=True)
app.add_typer(edc_app, name="edc")

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        help="The database: a SQLite file path, or a URL (postgresql://user@host:port/db).",
    ),
]
UserOption = Annotated[str, typer.Option("--user", help="Who acts (a user of the database).")]


def _password(prompt: str) -> str:
    given = os.environ.get("TRIALKIT_PASSWORD")
    if given is not None:
        return given
    return str(typer.prompt(prompt, hide_input=True))


def _database(url: str, *, create: bool = False) -> StudyDatabase:
    from trialkit.edc.database import StudyDatabase
    from trialkit.errors import EdcError

    if not create and "://" not in url and not Path(url).is_file():
        raise EdcError(f"--db: {url} does not exist (trialkit edc init creates it)")
    if create and "://" not in url and Path(url).exists():
        raise EdcError(f"--db: {url} exists; init creates a new database")
    return StudyDatabase(url)


def _protocol_text(protocol: str) -> tuple[str, str]:
    from trialkit._files import read_regular
    from trialkit.errors import EdcError
    from trialkit.protocol.files import MAX_PROTOCOL_BYTES, _directory

    path = Path(protocol)
    if path.suffix in (".yaml", ".yml") or path.exists():
        try:
            return read_regular(path, MAX_PROTOCOL_BYTES, EdcError).decode("utf-8"), str(path)
        except UnicodeDecodeError:
            raise EdcError(f"--protocol: {path} is not a UTF-8 text file") from None
    builtin = _directory().joinpath(f"{protocol}.yaml")
    if not builtin.is_file():
        raise EdcError(f"--protocol: {protocol!r} is neither a file nor a shipped protocol id")
    return builtin.read_text(encoding="utf-8"), f"{protocol}.yaml"


@edc_app.command("init")
def init(
    db: DbOption,
    protocol: Annotated[
        list[str], typer.Option("--protocol", help="A shipped protocol id or a protocol file.")
    ],
    admin: Annotated[str, typer.Option("--admin", help="The administrator's username.")] = "admin",
    name: Annotated[
        str, typer.Option("--name", help="The administrator's name.")
    ] = "Administrator",
) -> None:
    """Create the study database with its administrator and protocols."""
    from trialkit.edc.study import add_protocol, init_database

    texts = [_protocol_text(p) for p in protocol]
    database = _database(db, create=True)
    init_database(database, admin, name, _password("Administrator's password"))
    for text, origin in texts:
        add_protocol(database, admin, text, origin)
    typer.echo(
        f"created {database.url.split('://')[0]} study database with {len(texts)} protocol(s)"
    )


@edc_app.command("protocol")
def add_protocol_command(
    db: DbOption,
    user: UserOption,
    protocol: Annotated[str, typer.Option("--protocol", help="A shipped id or a protocol file.")],
) -> None:
    """Add a protocol, or a new version of one (an amendment)."""
    from trialkit.edc.study import add_protocol

    text, origin = _protocol_text(protocol)
    version = add_protocol(_database(db), user, text, origin)
    typer.echo(f"stored as version {version}")


@edc_app.command("site")
def add_site(
    db: DbOption,
    user: UserOption,
    code: Annotated[str, typer.Option("--code", help="2 to 8 capitals or digits.")],
    name: Annotated[str, typer.Option("--name", help="The site's name.")],
) -> None:
    """Add a site."""
    from trialkit.edc.study import add_site as add

    add(_database(db), user, code, name)
    typer.echo(f"site {code.upper()} added")


@edc_app.command("user")
def add_user(
    db: DbOption,
    user: UserOption,
    username: Annotated[str, typer.Option("--username", help="The new user's username.")],
    name: Annotated[str, typer.Option("--name", help="The new user's full name.")],
    role: Annotated[
        list[str], typer.Option("--role", help="ROLE@SITE, e.g. investigator@PAR (repeatable).")
    ],
) -> None:
    """Add a user with roles at sites."""
    from trialkit.edc.access import Role
    from trialkit.edc.study import add_user as add
    from trialkit.errors import EdcError

    grants = []
    for given in role:
        held, _, site = given.partition("@")
        if not site or held not in {r.value for r in Role}:
            known = ", ".join(r.value for r in Role)
            raise EdcError(f"--role: {given!r} is not ROLE@SITE with a role of {known}")
        grants.append((held, site))
    database = _database(db)
    add(database, user, username, name, _password(f"Password of {username}"), grants)
    typer.echo(f"user {username} added")


@edc_app.command("verify")
def verify_command(db: DbOption) -> None:
    """Check the audit trail's hash chain; exit 1 when it is broken."""
    from trialkit.edc.audit import verify
    from trialkit.edc.schema import AuditEvent, ChainHead

    database = _database(db)
    with database.reading() as session:
        head = session.get(ChainHead, 1)
        if head is None:
            from trialkit.errors import EdcError

            raise EdcError("--db: not a trialkit study database")
        found = verify(
            session.scalars(select(AuditEvent).order_by(AuditEvent.seq)), (head.seq, head.hash)
        )
    if found.intact:
        typer.echo(f"audit chain intact: {found.events} events")
        return
    typer.echo(f"audit chain BROKEN at event {found.broken_at}: {found.problem}")
    raise typer.Exit(1)


@edc_app.command("gate")
def gate(
    db: DbOption,
    protocol: Annotated[str, typer.Option("--protocol", help="The protocol id.")],
) -> None:
    """Where enrolment stands under the protocol's design."""
    from trialkit.edc.enrolment import gate_status

    status = gate_status(_database(db), protocol)
    typer.echo(
        f"{protocol}: {status.enrolled} enrolled; {'open' if status.open else 'CLOSED'}: {status.reason}"
    )


@edc_app.command("export")
def export(
    db: DbOption,
    user: UserOption,
    protocol: Annotated[str, typer.Option("--protocol", help="The protocol id.")],
    out: Annotated[Path, typer.Option("--out", help="A new folder for the export.")],
) -> None:
    """Export the subjects of the sites where the user may export: one FHIR bundle per
    subject (the input profile of ``trialkit screen``), one CSV per form, the CDISC ODM
    1.3.2 study and clinical documents, and the REDCap data dictionary."""
    from trialkit.edc.export import export_subjects

    if out.exists():
        from trialkit.errors import EdcError

        raise EdcError(f"--out: {out} exists; give a new folder")
    counts = export_subjects(_database(db), user, protocol, out)
    typer.echo(f"exported {counts} subject(s) to {out}")


ProtocolOption = Annotated[str, typer.Option("--protocol", help="The protocol id.")]
SubjectOption = Annotated[str, typer.Option("--subject", help="The subject's study id.")]


@edc_app.command("register")
def register(
    db: DbOption,
    user: UserOption,
    protocol: ProtocolOption,
    site: Annotated[str, typer.Option("--site", help="The site code.")],
    birth_date: Annotated[str, typer.Option("--birth-date", help="YYYY-MM-DD.")],
    sex: Annotated[str, typer.Option("--sex", help="female, male, other or unknown.")],
) -> None:
    """Register a subject for screening; prints its study id."""
    from trialkit.edc.enrolment import register_subject

    typer.echo(register_subject(_database(db), user, protocol, site, birth_date, sex))


@edc_app.command("enter")
def enter(
    db: DbOption,
    user: UserOption,
    protocol: ProtocolOption,
    subject: SubjectOption,
    form: Annotated[str, typer.Option("--form", help="The form's id.")],
    value: Annotated[
        list[str],
        typer.Option(
            "--value", help='ITEM=VALUE, with the unit after a space: "lab.ferritin=1200 ug/L".'
        ),
    ],
    visit: Annotated[str | None, typer.Option("--visit", help="The visit's id.")] = None,
    cycle: Annotated[int, typer.Option("--cycle", help="The cycle of a cycled visit.")] = 0,
    date: Annotated[
        str | None,
        typer.Option("--date", help="The visit's date, or the day the values were measured."),
    ] = None,
    record: Annotated[
        int | None, typer.Option("--record", help="The record of a repeating form to change.")
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why a saved value changes.")
    ] = None,
    complete: Annotated[bool, typer.Option("--complete", help="Mark the form complete.")] = False,
) -> None:
    """Save values of a form, with its edit checks; prints the queries it opened."""
    from trialkit.edc.entry import save_form
    from trialkit.errors import EdcError

    values: dict[str, Entry] = {}
    for given in value:
        item, sign, text = given.partition("=")
        if not sign or not item:
            raise EdcError(f"--value: {given!r} is not ITEM=VALUE")
        values[item.strip()] = _entered(text)
    saved = save_form(
        _database(db),
        user,
        protocol,
        subject,
        form,
        values,
        visit=visit,
        cycle=cycle,
        visit_date=date,
        sequence=record,
        reason=reason,
        complete=complete,
    )
    typer.echo(f"saved {form} record {saved.sequence}: {len(saved.changed)} value(s) changed")
    if saved.out_of_window:
        typer.echo("the visit's date is outside its window: a protocol deviation")
    for query in saved.queries:
        typer.echo(f"query: {query}")


def _entered(text: str) -> Entry:
    """``80 U/L 0-40`` → value, unit and normal range; ``8 kg`` → value and unit; any other
    text (``heart failure``) as it is."""
    parts = text.split()
    try:
        float(parts[0].replace(",", "."))
    except (ValueError, IndexError):
        return text
    if len(parts) == 3 and "-" in parts[2]:
        low, _, high = parts[2].partition("-")
        return (parts[0], parts[1], low or None, high or None)
    if len(parts) == 2:
        return (parts[0], parts[1])
    return text


@edc_app.command("screen")
def screen_command(
    db: DbOption,
    user: UserOption,
    protocol: ProtocolOption,
    subject: SubjectOption,
    bundle: Annotated[
        Path | None, typer.Option("--bundle", help="Screen this FHIR bundle, not the forms.")
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="The index time (default: now).")] = None,
) -> None:
    """Screen a subject and write the screening log; prints the verdict."""
    from trialkit._files import read_regular
    from trialkit.edc.enrolment import screen_subject
    from trialkit.errors import EdcError

    text = None
    if bundle is not None:
        text = read_regular(bundle, 64 * 2**20, EdcError).decode("utf-8", errors="replace")
    verdict, _ = screen_subject(_database(db), user, protocol, subject, bundle=text, at=at)
    typer.echo(verdict.value)


@edc_app.command("consent")
def consent(
    db: DbOption,
    user: UserOption,
    protocol: ProtocolOption,
    subject: SubjectOption,
    version: Annotated[str, typer.Option("--version", help="The consent document's version.")],
    date: Annotated[str, typer.Option("--date", help="The day it was signed.")],
) -> None:
    """Record the subject's informed consent."""
    from trialkit.edc.enrolment import record_consent

    record_consent(_database(db), user, protocol, subject, version, date)
    typer.echo("consent recorded")


@edc_app.command("enrol")
def enrol_command(
    db: DbOption,
    user: UserOption,
    protocol: ProtocolOption,
    subject: SubjectOption,
    date: Annotated[str, typer.Option("--date", help="The inclusion day (day 0).")],
    arm: Annotated[str | None, typer.Option("--arm", help="The arm (default: the first).")] = None,
) -> None:
    """Enrol an eligible, consented subject under the design's gate."""
    from trialkit.edc.enrolment import enrol

    number = enrol(_database(db), user, protocol, subject, date, arm)
    typer.echo(f"enrolled as number {number}")


@edc_app.command("decide")
def decide(db: DbOption, user: UserOption, protocol: ProtocolOption) -> None:
    """Compute and record the interim decision of the two-stage design."""
    from trialkit.edc.enrolment import decide_interim

    decision = decide_interim(_database(db), user, protocol)
    typer.echo(f"{decision.outcome.value}: {decision.reason}")


@edc_app.command("demo")
def demo(
    db: DbOption,
    subjects: Annotated[
        int, typer.Option("--subjects", help="Subjects per protocol.", min=1, max=20)
    ] = 2,
) -> None:
    """Build a demonstration database: the five protocols, two sites, one user per role
    (password: trialkit-demo), subjects screened, enrolled and through a first visit."""
    from trialkit.example_study import DEMO_PASSWORD, build_demo

    made = build_demo(_database(db, create=True), subjects_per_protocol=subjects)
    typer.echo(f"{len(made)} subjects in {db}; every user's password is {DEMO_PASSWORD!r}")
    for subject in made:
        typer.echo(f"  {subject.protocol_id:16} {subject.label}  {subject.status}")
