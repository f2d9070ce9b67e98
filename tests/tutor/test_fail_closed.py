"""Fail closed (issue 18, defect 8): the server and worker entry points default to production
settings, and production settings refuse to start without the database and Redis instead of
falling back to the embedded defaults."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "k" * 20 + "-Zq8!vR2#pL7@xN4$wT6^yB1&cF9*hJ3("
# Nothing is reached: settings are only read.
SERVICES = {"DATABASE_URL": "postgres://tutor@127.0.0.1:1/tutor", "REDIS_URL": "redis://127.0.0.1:1/0"}
SHOW_SETTINGS = "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"


def python(code: str, **env: str) -> subprocess.CompletedProcess:
    """`code` in a fresh interpreter whose environment names no settings, secrets or services but `env`."""
    names = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "CELERY_")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(names)} | env
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=120, check=False)  # the tests read the exit status


@pytest.mark.parametrize("entry_point", [
    "import tutor.wsgi",
    "import tutor.asgi",
    "from tutor.celery import app; import django; django.setup()",
])
def test_an_entry_point_started_without_a_settings_module_runs_production_and_refuses_without_secrets(entry_point):
    refused = python(entry_point)
    assert refused.returncode != 0 and "DJANGO_SECRET_KEY must be set" in refused.stderr
    started = python(f"{entry_point}\n{SHOW_SETTINGS}", DJANGO_SECRET_KEY=SECRET_KEY, **SERVICES)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["tutor.settings.production", "False"]


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_its_database_or_redis(missing):
    present = {name: url for name, url in SERVICES.items() if name != missing}
    result = python("import django; django.setup()", DJANGO_SETTINGS_MODULE="tutor.settings.production",
                    DJANGO_SECRET_KEY=SECRET_KEY, **present)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and f"Production settings need {missing}" in result.stderr
    assert "tutor.settings.local" in result.stderr  # says what to use for a demo instead


def test_the_developer_entry_points_keep_the_local_settings():
    """manage.py (make demo, runserver) and pytest stay on the local settings, with no services."""
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", SHOW_SETTINGS], cwd=ROOT,
                            env={k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["tutor.settings.local", "True"]
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "tutor.settings.local"  # pytest's (pyproject.toml)
