#!/usr/bin/env bash
# Production-like serving on one machine: gunicorn (WSGI, all HTTP), daphne (/ws/ only), a Celery
# worker (background refits and trait estimates). Migrates and collects static files first; stops
# every process it started on Ctrl-C / SIGTERM. Configuration is environment only (docs/serving.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

: "${DATABASE_URL:?set DATABASE_URL=postgres://USER@HOST:5432/DB}"
: "${REDIS_URL:?set REDIS_URL=redis://HOST:6379/0}"
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-tutor.settings.production}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
HTTP_BIND=${HTTP_BIND:-127.0.0.1:8000}
WS_HOST=${WS_HOST:-127.0.0.1}
WS_PORT=${WS_PORT:-8001}
CELERY_CONCURRENCY=${CELERY_CONCURRENCY:-1}

"$BIN/python" manage.py migrate --noinput
"$BIN/python" manage.py collectstatic --noinput -v0

pids=()
stop() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

GUNICORN_BIND=$HTTP_BIND "$BIN/gunicorn" -c gunicorn.conf.py &
pids+=($!)
"$BIN/daphne" -b "$WS_HOST" -p "$WS_PORT" tutor.asgi:application &
pids+=($!)
"$BIN/celery" -A tutor worker --loglevel=warning --concurrency="$CELERY_CONCURRENCY" &
pids+=($!)
# Scheduled jobs (nightly refit, dashboard aggregates, lost tutor-turn generations): one beat per site.
"$BIN/celery" -A tutor beat --loglevel=warning &
pids+=($!)
echo "serving: HTTP on $HTTP_BIND (gunicorn), /ws/ on $WS_HOST:$WS_PORT (daphne), celery worker and beat" >&2
# Any process that dies takes the others down: a half-running server is worse than none.
wait -n "${pids[@]}"
