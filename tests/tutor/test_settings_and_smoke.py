import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | env
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
        check=False,  # the tests read the exit status
    )


# Production settings refuse to start without these (tests/tutor/test_fail_closed.py); checks reach neither.
SERVICES = {"DATABASE_URL": "postgres://tutor@127.0.0.1:1/tutor", "REDIS_URL": "redis://127.0.0.1:1/0"}


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_SETTINGS_MODULE="tutor.settings.production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run_manage("check", DJANGO_SETTINGS_MODULE="tutor.settings.production", DJANGO_SECRET_KEY="short")
    assert result.returncode != 0 and "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_passes_check_deploy():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="tutor.settings.production",
        DJANGO_SECRET_KEY="k" * 20 + "-Zq8!vR2#pL7@xN4$wT6^yB1&cF9*hJ3(",
        DJANGO_ALLOWED_HOSTS="tutor.example.org", **SERVICES,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/admin/login/", "/accounts/login/", "/accounts/signup/", "/api/schema/"])
def test_pages_answer(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_home_lists_loaded_courses(client, valid_pack_path):
    from django.core.management import call_command

    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())
    assert "Tiny course" in client.get("/").content.decode()


def test_a_500s_traceback_is_logged_to_stderr_under_production_settings():
    """Issue 18, defect 7: Django logs a request's exception on django.request, whose default
    handlers write only with DEBUG on; production logged nothing."""
    raised = ("import logging\ntry:\n    1 / 0\nexcept ZeroDivisionError:\n"
              "    logging.getLogger('django.request').error('Internal Server Error: /boom', exc_info=True)")
    result = run_manage("shell", "-c", raised, DJANGO_SETTINGS_MODULE="tutor.settings.production",
                        DJANGO_SECRET_KEY="k" * 20 + "-Zq8!vR2#pL7@xN4$wT6^yB1&cF9*hJ3(", **SERVICES)
    assert result.returncode == 0, result.stderr
    assert "Internal Server Error: /boom" in result.stderr and "ZeroDivisionError" in result.stderr
