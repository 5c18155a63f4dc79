#!/usr/bin/env bash
# Install (if missing), start and prepare a local PostgreSQL for the test suite.
# Idempotent; run as root, non-interactively.  Prints the URL to export as
# CHAINRULE_TEST_DATABASE_URL on its last line of stdout (everything else goes
# to stderr).  The role gets CREATEDB: each test creates a database of its own.
set -euo pipefail

ROLE="${CHAINRULE_PG_ROLE:-chainrule}"
PASSWORD="${CHAINRULE_PG_PASSWORD:-chainrule}"
DATABASE="${CHAINRULE_PG_DATABASE:-chainrule_test}"

log() { echo "postgres.sh: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
    log "run me as root (I install packages and start the server)"
    exit 1
fi

if ! command -v pg_lsclusters >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing PostgreSQL from the Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi
if [ -z "$(pg_lsclusters -h)" ]; then
    # the package normally creates one; an image built with create_main_cluster=false has none
    NEWEST="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    log "creating cluster $NEWEST/main"
    pg_createcluster "$NEWEST" main >&2
fi

# the first cluster (Debian creates "main" for the packaged version)
read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters -h | head -n 1)
if [ "$STATUS" != "online" ]; then
    log "starting cluster $VERSION/$CLUSTER on port $PORT"
    pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi
for _ in $(seq 1 30); do
    if pg_isready -q -h 127.0.0.1 -p "$PORT"; then break; fi
    sleep 1
done
pg_isready -q -h 127.0.0.1 -p "$PORT" || { log "server did not come up on port $PORT"; exit 1; }

as_postgres() { runuser -u postgres -- psql -p "$PORT" -v ON_ERROR_STOP=1 -qAt "$@"; }

if [ "$(as_postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
    log "creating role $ROLE"
    as_postgres -c "CREATE ROLE \"$ROLE\" LOGIN CREATEDB PASSWORD '$PASSWORD'"
else
    as_postgres -c "ALTER ROLE \"$ROLE\" LOGIN CREATEDB PASSWORD '$PASSWORD'"
fi
# lets the tests' DROP DATABASE ... WITH (FORCE) end a connection still in its handshake
as_postgres -c "GRANT pg_signal_backend TO \"$ROLE\""
if [ "$(as_postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != "1" ]; then
    log "creating database $DATABASE"
    as_postgres -c "CREATE DATABASE \"$DATABASE\" OWNER \"$ROLE\""
fi

echo "postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
