#!/usr/bin/env bash
# Write requirements.lock: every package the project and its dev and redis extras need, pinned with
# their hashes, for Python 3.11 on Linux. Run after changing a dependency in pyproject.toml, then
# commit both files; ./demo.sh and ./test.sh install from the lock with --require-hashes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
"$(find_python)" -m venv "$tools"
"$tools/bin/python" -m pip install --quiet --disable-pip-version-check pip-tools==7.6.2
"$tools/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --extra dev --extra redis --all-build-deps \
  --strip-extras --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml
