#!/bin/sh
# Runs once, when the PostgreSQL data folder is first created (docker-entrypoint-initdb.d):
# one role and one database per service, each role owning only its own database; a
# confidential service also owns its key store, a database of its own (docs/operations.md).
set -eu

for service in intake cases mediation analytics; do
    variable="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    password="$(printenv "$variable" || true)"
    if [ -z "$password" ]; then
        echo "init-databases: $variable is not set" >&2
        exit 1
    fi
    # psql variables, not shell interpolation: quoting is psql's job (:"ident", :'literal').
    psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        -v name="$service" -v password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
    case "$service" in
    intake | cases | mediation)
        psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
            -v name="$service" -v keys="${service}_keys" <<'SQL'
CREATE DATABASE :"keys" OWNER :"name";
REVOKE ALL ON DATABASE :"keys" FROM PUBLIC;
SQL
        ;;
    esac
done
