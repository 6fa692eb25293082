#!/usr/bin/env bash
# README command one: create .venv, install, migrate, load demo data and serve http://127.0.0.1:8000
# with SQLite, local files and an embedded job worker. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
ensure_venv
mkdir -p var
[ -s var/secret-key ] || .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret-key
export KHEDMAT_HOME="$PWD"
export KHEDMAT_SECRET_KEY="${KHEDMAT_SECRET_KEY:-$(cat var/secret-key)}"
export KHEDMAT_ALLOWED_HOSTS="${KHEDMAT_ALLOWED_HOSTS:-127.0.0.1,localhost}"
export KHEDMAT_HTTPS="${KHEDMAT_HTTPS:-0}"
export KHEDMAT_STAFF_2FA="${KHEDMAT_STAFF_2FA:-optional}"
# The demo prints SMS (login codes too) to the worker's console: allowed here, refused elsewhere.
export KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS="${KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS:-1}"
export DATABASE_URL="${DATABASE_URL:-sqlite:///$PWD/var/demo.sqlite3}"
exec .venv/bin/khedmat demo "$@"
