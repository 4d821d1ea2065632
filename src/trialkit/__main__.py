"""``python -m trialkit``: the ``trialkit`` command."""

from trialkit.cli import main

main()
