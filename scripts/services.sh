#!/usr/bin/env bash
# Debian packages and services the tests need, installed and started by the project
# itself (CI runs on a fresh machine of this image):
#   - PostgreSQL: a throw-away cluster owned by the postgres user, on 127.0.0.1;
#   - a Java runtime for PySpark's local mode;
#   - Debian's Chromium, which Playwright drives in the web application's browser tests;
#   - Pango for WeasyPrint (`trialkit analyse --out report.pdf`) and poppler-utils
#     (pdftoppm, pdftotext) for the tests that read the PDF's pages.
# Idempotent. Prints the environment for the tests, to be evaluated by the caller:
#   eval "$(bash scripts/services.sh)"
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p | grep -q 'libharfbuzz-subset.so.0' || need+=(libharfbuzz-subset0)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} from Debian" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DATA=${TRIALKIT_PG_DIR:-/tmp/trialkit-postgres}
PORT=${TRIALKIT_PG_PORT:-54329}
as_postgres() { $SUDO runuser -u postgres -- "$@"; }
if ! as_postgres "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    $SUDO rm -rf "$DATA"
    $SUDO mkdir -p "$DATA"
    $SUDO chown postgres "$DATA"
    as_postgres "$PGBIN/initdb" -D "$DATA" -A trust -U postgres >/dev/null
    as_postgres "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
        -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
fi
echo "export TRIALKIT_POSTGRES=postgresql://postgres@127.0.0.1:${PORT}/postgres"
echo "export JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
