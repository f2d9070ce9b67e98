#!/usr/bin/env bash
# The science packages' tests against psikt as `pip install .` installs it, not against the checkout: psikt is
# built from a copy of the checkout into a fresh folder, and pytest runs from outside the checkout with
# nothing of it on sys.path (importlib import mode, no pytest-django, which would add the checkout).
# tests/conftest.py stops the run if psikt is imported from anywhere else. Usage: scripts/test_installed.sh TESTS...
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/source"
cp "$root/pyproject.toml" "$root/README.md" "$root/requirements-science.txt" "$work/source/"
cp -r "$root/psikt" "$work/source/psikt"
find "$work/source" -name __pycache__ -prune -exec rm -rf {} +
# --no-deps: the venv holds the pinned dependencies already (tests/test_packaging.py checks the metadata).
"$python" -m pip install --disable-pip-version-check -q --no-deps --no-build-isolation --target "$work/site" "$work/source"

tests=()
for path in "$@"; do tests+=("$root/$path"); done
cd "$work"
PSIKT_INSTALLED_AT="$work/site" PYTHONPATH="$work/site" "$python" -m pytest -p no:django -p no:cacheprovider \
  --import-mode=importlib --rootdir "$root" -c "$root/pyproject.toml" "${tests[@]}"
