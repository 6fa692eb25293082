#!/usr/bin/env bash
# README command two: the whole test suite (unit, integration, browser). Sets up what it needs:
# .venv with the pinned dependencies, and Debian's Chromium for the browser tests.
# DATABASE_URL chooses the database (SQLite by default; PostgreSQL: postgres://user@host:port/name).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
ensure_venv
if ! command -v xgettext >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ]; then
  echo "khedmat: installing Debian packages for the tests: chromium (browser tests), gettext (catalog check), poppler-utils (PDF text and pictures)" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium gettext poppler-utils >/dev/null
fi
export KHEDMAT_HOME="$PWD"
exec .venv/bin/python -m pytest "$@"
