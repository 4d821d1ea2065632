"""The shape of a golden screening case (see README.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Status = str  # "met" | "not_met" | "unknown"


@dataclass(frozen=True)
class Case:
    """One patient, the index date, and the expected verdict and criterion statuses."""

    protocol: str
    case: str
    description: str
    at: str
    verdict: str
    criteria: dict[str, Status]
    bundle: dict[str, Any] = field(repr=False)

    def as_json(self) -> dict[str, Any]:
        """The golden file's content."""
        return {
            "protocol": self.protocol,
            "case": self.case,
            "description": self.description,
            "at": self.at,
            "expected": {"verdict": self.verdict, "criteria": self.criteria},
            "bundle": self.bundle,
        }
