"""The one error tree of trialkit.

::

    TrialkitError                      every error trialkit raises on purpose
    ├── TrialkitInputError (ValueError) bad user input: the CLI exits 2 with one line
    │   ├── BundleError                 a FHIR Bundle that cannot be read (JSON, structure, dates)
    │   ├── UnitError                   a unit that is not UCUM, or cannot mean the concept
    │   ├── PlausibilityError           a value outside the concept's plausible range
    │   ├── VocabularyError             an unknown concept key or code
    │   ├── ProtocolError               a protocol file that is not valid (file, line, field)
    │   ├── AgeError                    an age the record cannot give (the birth date is wrong)
    │   │   └── NegativeAgeError        an age below zero: a date (sample, index) before the birth date
    │   ├── DesignInputError            impossible parameters for a trial design
    │   ├── OmopError                   OMOP CDM data that cannot be loaded or written (table, column)
    │   └── EdcError                    a study-database action refused: bad input or a rule of the
    │       │                           trial (the gate closed, an edit without reason); nothing changes
    │       ├── PermissionDeniedError   the user has no role at the subject's site that allows it
    │       ├── UnknownEntityError      no such protocol, subject or form in the database
    │       └── SignInError             a sign-in refused (wrong name or password; a locked user)
    ├── DefinitionError                 a packaged data file (vocabulary, tables) is invalid:
    │                                   a bug in trialkit, never the user's fault
    └── NotCompiledError (NotImplementedError) criteria the SQL compiler cannot translate
                                        (a node without a walker, clashing column names)

User-input errors subclass ``ValueError`` (pint's habit) and carry a message that
names the field, the value and the reason, so that one line on stderr is enough
to fix the input.
"""

from __future__ import annotations

__all__ = [
    "AgeError",
    "BundleError",
    "CohortError",
    "DefinitionError",
    "DesignInputError",
    "EdcError",
    "NegativeAgeError",
    "NotCompiledError",
    "OmopError",
    "PermissionDeniedError",
    "PlausibilityError",
    "ProtocolError",
    "SignInError",
    "TrialkitError",
    "TrialkitInputError",
    "UnitError",
    "UnknownEntityError",
    "VocabularyError",
]


class TrialkitError(Exception):
    """Base of every error trialkit raises on purpose."""


class TrialkitInputError(TrialkitError, ValueError):
    """Bad input from a user: the message names the field, the value and the reason."""


class BundleError(TrialkitInputError):
    """A FHIR Bundle that cannot be read: not JSON, not a Bundle, a bad resource or field."""


class CohortError(TrialkitInputError):
    """A trial cohort that cannot be read: the message names the subject and the field (a subject
    of the subjects table with no bundle, a bundle with no subject, an inclusion date after day 1)."""


class UnitError(TrialkitInputError):
    """A unit that is not valid UCUM, or that cannot express the concept's quantity."""


class PlausibilityError(TrialkitInputError):
    """A value outside the plausible range of its concept (a negative count, 60 °C)."""


class VocabularyError(TrialkitInputError):
    """An unknown concept key, or a code that maps to no concept where one is required."""


class AgeError(TrialkitInputError):
    """An age the record cannot give: below zero, or beyond a human life (a wrong birth date).

    Raised by the scores that depend on age. The bedside evaluator reads it as
    an inconsistent record (the score is unknown, the birth date to check);
    :func:`trialkit.scores.assess_all` reports the score with its
    age-dependent items unknown and the reason in a note.
    """


class NegativeAgeError(AgeError):
    """An age below zero: a sample or index date before the birth date.

    The SQL compiler reads a negative age as NULL.
    """


class DesignInputError(TrialkitInputError):
    """Trial-design parameters that admit no design (p1 <= p0, alpha outside (0, 1), ...)."""


class OmopError(TrialkitInputError):
    """OMOP CDM data that cannot be loaded or written: the message names the table and column."""


class EdcError(TrialkitInputError):
    """A study-database action refused: the message names the field or the rule; the
    transaction is rolled back, so nothing already stored changes."""


class PermissionDeniedError(EdcError):
    """The user has no role, at the site of the subject, whose permissions allow the action."""


class UnknownEntityError(EdcError):
    """No such protocol, subject or form in the study database (a web request's 404)."""


class SignInError(EdcError):
    """A sign-in refused: the same message for an unknown user and a wrong password;
    ``locked`` when the user is locked after repeated failures."""

    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.locked = locked


class DefinitionError(TrialkitError):
    """A data file shipped with trialkit is invalid. This is a bug in trialkit."""


class NotCompiledError(TrialkitError, NotImplementedError):
    """Criteria the SQL compiler cannot translate; the message names the criterion and why.

    Every node type compiles (a test holds the compiler's walkers to the node
    types), so it is raised for criteria that no protocol file can hold: a
    criterion id that is an output column, or two columns that SQL takes for
    one (``trialkit.eligibility.sql`` also exports it).
    """


class ProtocolError(TrialkitInputError):
    """A protocol file that cannot be used: invalid YAML, an unknown field or concept, a bad rule.

    The message names the file, the line and the field (``r-hlh.yaml:41: criteria[3].rule:
    unknown concept 'lab.feritin'``).
    """
