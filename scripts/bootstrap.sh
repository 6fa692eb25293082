# Sourced by ./demo.sh and ./test.sh: make .venv with Python 3.11 and install the project when
# pyproject.toml or requirements.lock changed since the last install (a second run installs nothing); install the
# system libraries WeasyPrint needs when they are missing.
set -euo pipefail

find_python() {
  for candidate in "${KHEDMAT_PYTHON:-}" python3.11 python3 python; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  echo "khedmat: Python 3.11 is needed (set KHEDMAT_PYTHON to its path)." >&2
  return 1
}

ensure_venv() {
  local python stamp want
  ensure_system_libraries
  if [ ! -x .venv/bin/python ]; then
    python=$(find_python)
    echo "khedmat: creating .venv with $python" >&2
    "$python" -m venv .venv
  fi
  stamp=.venv/.khedmat-installed
  want=$(cat pyproject.toml requirements.lock | .venv/bin/python -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    # Every package of the tree, pinned with its hashes (requirements.lock, made by scripts/lock.sh);
    # then the project itself, without resolving anything again.
    echo "khedmat: installing the locked dependencies (requirements.lock) and the project into .venv" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
    echo "$want" > "$stamp"
  fi
}

has_library() {
  local ldconfig
  ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
  "$ldconfig" -p 2>/dev/null | grep -F "$1" >/dev/null  # not -q: no SIGPIPE under pipefail
}

ensure_system_libraries() {
  # WeasyPrint (the receipt PDF) needs Pango; fonts are not needed, Vazirmatn ships in static/.
  if has_library 'libpango-1.0.so' && has_library 'libpangoft2-1.0.so'; then
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "khedmat: install Pango (libpango-1.0, libpangoft2-1.0) for the receipt PDFs." >&2
    return 0
  fi
  echo "khedmat: installing Debian packages for the receipt PDFs: libpango-1.0-0 libpangoft2-1.0-0" >&2
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null
}
