#!/usr/bin/env bash
# Main job on embedded defaults: install, then compute every clinical score of the
# packaged example patient and screen it against every shipped protocol.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
uv run --locked trialkit demo
