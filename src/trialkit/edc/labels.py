"""Pseudonymous study ids of subjects, with a check character.

A study id is ``<SITE>-<NNNN>-<C>``: the site's code, the subject's number at the
site (four digits, more when a site screens more than 9999), and the check
character of ISO/IEC 7064 MOD 37-36 computed over ``<SITE><NNNN>`` — the hybrid
system for alphanumeric strings, which detects every single substitution and
every transposition of adjacent characters (ISO/IEC 7064:2003, clause 5.2),
so a mistyped id is refused instead of naming another subject.
"""

from __future__ import annotations

import re

from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_37_36

from trialkit.errors import UnknownEntityError

__all__ = ["SITE_CODE", "check_label", "label_for"]

SITE_CODE = re.compile(r"^[A-Z0-9]{2,8}$")
"""A site code: 2 to 8 capital letters or digits."""

_LABEL = re.compile(r"^([A-Z0-9]{2,8})-([0-9]{4,})-([A-Z0-9])$")


def label_for(site: str, number: int) -> str:
    """The study id of subject ``number`` of ``site``."""
    body = f"{site}{number:04d}"
    return f"{site}-{number:04d}-{mod_37_36.calc_check_digit(body)}"


def check_label(label: str, field: str = "subject") -> str:
    """``label`` when it is a well-formed study id with the right check character; else no
    subject can have it (:class:`UnknownEntityError`, a web request's 404)."""
    text = label.strip().upper()
    match = _LABEL.match(text)
    if match is None:
        raise UnknownEntityError(
            f"{field}: {label!r} is not a study id (SITE-NNNN-C, e.g. PAR-0007-K)"
        )
    site, number, check = match.groups()
    try:
        mod_37_36.validate(site + number + check)
    except ValidationError:
        raise UnknownEntityError(
            f"{field}: {label!r} has a wrong check character (mistyped?): "
            f"ISO/IEC 7064 MOD 37-36 gives {mod_37_36.calc_check_digit(site + number)}"
        ) from None
    return text
