#!/usr/bin/env bash
# Installs everything trialkit needs on a fresh machine of this image: uv, then the
# locked environment in .venv. Sourced by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
UV_VERSION=0.13.8
if ! command -v uv >/dev/null 2>&1 || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
    python3 -m pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}"
fi
uv sync --locked --all-extras --quiet
