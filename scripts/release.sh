#!/usr/bin/env bash
# The one-shot release steps, run once per deploy (from one host) before the long-running processes
# start or restart: migrations, static files, and the course packs named in RELEASE_COURSES (loading a
# pack again is idempotent). Two hosts must never run this at the same time: migrations would race.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-tutor.settings.production}

"$BIN/python" manage.py migrate --noinput
"$BIN/python" manage.py collectstatic --noinput -v0
for pack in ${RELEASE_COURSES:-}; do
    "$BIN/python" manage.py load_course "$pack"
done
