"""Synthetic FHIR bundles for tests, examples and benchmarks (public: users need them too).

:class:`BundleBuilder` writes bundles in trialkit's FHIR input profile
(``docs/fhir-input.md``) from short Python calls, choosing each concept's
standard code from the vocabulary, so that fixtures never spell a code. It is
defined in :mod:`trialkit.record.bundle` (the record layer, so that
:mod:`trialkit.synth.trial` can use it) and kept here as the public name.
"""

from __future__ import annotations

from trialkit.record.bundle import BundleBuilder

__all__ = ["BundleBuilder"]
