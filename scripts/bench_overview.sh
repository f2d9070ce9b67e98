#!/usr/bin/env bash
# Issue 20's "a class of 30 loads its overview in < 300 ms server time and < 2 s in the browser":
# the server's time in process (manage.py bench_dashboard: 30 learners x 20 skills, 60 answers each)
# and cold and warm loads in Chromium (scripts/bench_class_pages.py) of that class's overview and
# "now" page, behind gunicorn with production's static files (hashed, gzip-compressed), on a fresh
# SQLite database. SOURCE is the checkout measured (default: this one), so that an older commit can be
# measured the same way (`git archive COMMIT | tar -x -C DIR`); the tools come from this one's .venv.
# docs/benchmarks.md, "Teacher dashboard".
#
#   scripts/bench_overview.sh [SOURCE] [PORT] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source=$(cd "${1:-$here}" && pwd)
port=${2:-8220}
runs=${3:-7}
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server"; rm -rf "$work"' EXIT

# Production's static settings on top of the local ones (tutor/settings/production.py wants secrets).
cat > "$work/bench_static_settings.py" <<EOF
from tutor.settings.local import *  # noqa: F403
DEBUG = False
STORAGES = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
WHITENOISE_USE_FINDERS = False
STATIC_ROOT = "$work/static"
EOF
export PYTHONPATH="$work:$source" DJANGO_SETTINGS_MODULE=bench_static_settings
export DATABASE_URL="sqlite:///$work/db.sqlite3" REDIS_URL="" OMP_NUM_THREADS=1
cd "$source"
echo "source: $source ($(git -C "$here" rev-parse --short HEAD) here); $(uptime)"
"$here/.venv/bin/python" manage.py migrate -v 0
"$here/.venv/bin/python" manage.py collectstatic --noinput -v 0
ls -l "$work"/static/vendor/plotly/*.js.gz "$work"/static/plotly/*.js.gz 2>/dev/null || true
password=bench-password-$RANDOM
"$here/.venv/bin/python" manage.py bench_dashboard --pages overview,now --keep --password "$password" | tee "$work/server.txt"
class=$(sed -n 's/^kept: class \([0-9]*\) .*/\1/p' "$work/server.txt")

GUNICORN_BIND=127.0.0.1:$port WEB_CONCURRENCY=2 "$here/.venv/bin/gunicorn" -c gunicorn.conf.py 2>"$work/gunicorn.log" &
server=$!
for _ in $(seq 60); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done
echo "browser, $(uptime)"
"$here/.venv/bin/python" "$here/scripts/bench_class_pages.py" "http://127.0.0.1:$port" "$class" \
  "bench-teacher-$class" "$password" "$runs"
echo "done, $(uptime)"
