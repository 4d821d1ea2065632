#!/usr/bin/env bash
# One-off: R reference values for trialkit.analysis (tests/analysis/r_reference.json).
#
# Installs R and the survival and cmprsk packages from Debian (CRAN is not reachable
# from the build machines), runs analysis.R on the constructed datasets it defines and
# writes the JSON it prints. Needs root for apt-get; NOT part of CI: the printed file
# is committed and the tests read it.
#
#   sudo scripts/r_reference/analysis.sh            # writes tests/analysis/r_reference.json
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if ! command -v Rscript >/dev/null || ! Rscript -e 'library(survival); library(cmprsk)' >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        r-base-core r-cran-survival r-cran-cmprsk
fi
Rscript --vanilla "$here/analysis.R" > "$root/tests/analysis/r_reference.json.tmp"
mv "$root/tests/analysis/r_reference.json.tmp" "$root/tests/analysis/r_reference.json"
echo "wrote tests/analysis/r_reference.json" >&2
