#!/usr/bin/env bash
# The whole test suite: install, then lint, format check, strict typing, tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
echo "== ruff check";  uv run --locked ruff check src tests bench
echo "== ruff format"; uv run --locked ruff format --check src tests bench
echo "== mypy";        uv run --locked mypy
echo "== pytest";      uv run --locked pytest -q
