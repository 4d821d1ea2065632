#!/usr/bin/env bash
# The whole test suite: install (with the PostgreSQL server and Java the SQL engine tests
# need), then lint, format check, strict typing, tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
# PostgreSQL and Java for the SQL engine tests: installed and started by the project.
eval "$(bash scripts/services.sh)"
export SPARK_LOCAL_IP=127.0.0.1
export TRIALKIT_REQUIRE_ENGINES=1   # a missing engine fails the engine tests instead of skipping them
echo "== ruff check";  uv run --locked ruff check src tests bench
echo "== ruff format"; uv run --locked ruff format --check src tests bench
echo "== mypy";        uv run --locked mypy
echo "== pytest";      uv run --locked pytest -q --durations=10
