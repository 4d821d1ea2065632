"""Roles, their permissions, and the site isolation every service applies.

A user holds roles at sites. An action on a subject needs a role **at the
subject's site** whose permissions include the action: a user of site A can
neither read nor write a subject of site B, whatever the role. Study-level
actions (the interim decision, a site or user created) need the role at any
site; the administrator holds the study-wide role (no site) and administers
sites and users without reading subject data.

The table (:data:`PERMISSIONS`) follows the usual split of duties of a clinical
trial (ICH E6(R2) 4.9 and 5.18: the investigator is responsible for the case
report forms and signs them; the monitor verifies them; data management
handles queries and the lock), and is generated into ``docs/edc.md``.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialkit.edc.schema import RoleAssignment, Site, User
from trialkit.errors import PermissionDeniedError

__all__ = ["PERMISSIONS", "Action", "Role", "permission_table", "readable_sites", "require"]


class Role(StrEnum):
    """A role of a user at a site."""

    INVESTIGATOR = "investigator"
    RESEARCH_NURSE = "research_nurse"
    DATA_MANAGER = "data_manager"
    MONITOR = "monitor"
    STATISTICIAN = "statistician"
    ADMINISTRATOR = "administrator"


class Action(StrEnum):
    """What a service does, as the permission table names it."""

    READ = "read subject data"
    SCREEN = "screen a subject"
    CONSENT = "record consent or its withdrawal"
    ENROL = "enrol a subject"
    DECIDE = "record the interim decision"
    ENTER = "enter and change data"
    REPORT_AE = "report an adverse event"
    CONFIRM_AE = "confirm or override an AE grade"
    OPEN_QUERY = "open or close a query"
    ANSWER_QUERY = "answer a query"
    SIGN = "sign a form or a casebook"
    LOCK = "lock and unlock"
    EXPORT = "export data"
    ADMINISTER = "administer sites and users"


_ALL_DATA = {Action.READ}
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.INVESTIGATOR: frozenset(
        {
            *_ALL_DATA,
            Action.SCREEN,
            Action.CONSENT,
            Action.ENROL,
            Action.DECIDE,
            Action.ENTER,
            Action.REPORT_AE,
            Action.CONFIRM_AE,
            Action.ANSWER_QUERY,
            Action.SIGN,
        }
    ),
    Role.RESEARCH_NURSE: frozenset(
        {
            *_ALL_DATA,
            Action.SCREEN,
            Action.CONSENT,
            Action.ENTER,
            Action.REPORT_AE,
            Action.ANSWER_QUERY,
        }
    ),
    Role.DATA_MANAGER: frozenset({*_ALL_DATA, Action.OPEN_QUERY, Action.LOCK, Action.EXPORT}),
    Role.MONITOR: frozenset({*_ALL_DATA, Action.OPEN_QUERY}),
    Role.STATISTICIAN: frozenset({*_ALL_DATA, Action.DECIDE, Action.EXPORT}),
    Role.ADMINISTRATOR: frozenset({Action.ADMINISTER}),
}
"""What each role may do, at the sites where the user holds it."""


def _roles(session: Session, user: User) -> list[tuple[int | None, Role]]:
    rows = session.execute(
        select(RoleAssignment.site_id, RoleAssignment.role).where(RoleAssignment.user_id == user.id)
    )
    return [(site_id, Role(role)) for site_id, role in rows]


def require(session: Session, user: User, action: Action, site: Site | None = None) -> None:
    """Refuse unless ``user`` may do ``action`` at ``site`` (None: at any site of the study).

    The message names the user, the action and the site, not what the site holds.
    """
    for site_id, role in _roles(session, user):
        if action not in PERMISSIONS[role]:
            continue
        if site is None or site_id is None or site_id == site.id:
            if site is not None and site_id is None and action is not Action.ADMINISTER:
                continue  # the study-wide administrator reads no subject data
            return
    where = "" if site is None else f" at site {site.code}"
    raise PermissionDeniedError(f"user {user.username}: may not {action.value}{where}")


def readable_sites(session: Session, user: User) -> set[int]:
    """The ids of the sites where ``user`` may read subject data."""
    return {
        site_id
        for site_id, role in _roles(session, user)
        if site_id is not None and Action.READ in PERMISSIONS[role]
    }


def permission_table() -> str:
    """The permission table as Markdown (generated into ``docs/edc.md``)."""
    roles = list(Role)
    lines = [
        "| action | " + " | ".join(r.value.replace("_", " ") for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for action in Action:
        marks = ["yes" if action in PERMISSIONS[r] else "" for r in roles]
        lines.append(f"| {action.value} | " + " | ".join(marks) + " |")
    return "\n".join(lines)
