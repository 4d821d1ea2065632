"""``python -m trialkit.units``: regenerate ``precomputed.json`` from pint."""

from trialkit.units.precomputed import main

main()
