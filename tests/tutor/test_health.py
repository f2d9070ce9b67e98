"""/healthz and /readyz (issue 18, Deliver 5): anonymous, never throttled or redirected, and a
failing dependency is named without any detail of the failure."""

import json

import pytest
from django.test import Client

from tests.tutor.factories import ApiClientFactory

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def body(response) -> dict:
    return json.loads(response.content)


@pytest.mark.django_db
def test_healthz_answers_without_touching_any_dependency(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200 and body(response) == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readyz_checks_the_database_cache_and_broker():
    response = Client().get("/readyz")
    assert response.status_code == 200
    checks = body(response)["checks"]
    assert checks["database"] == "ok" and checks["cache"] == "ok"
    assert checks["broker"] in ("ok", "in-process")  # in-process: no broker configured, tasks run at the call site


@pytest.mark.django_db
def test_readyz_names_a_dead_redis_and_shows_nothing_of_the_failure(settings, monkeypatch, caplog):
    from tutor.celery import app

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", DEAD_REDIS)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert body(response) == {"status": "unavailable",
                              "checks": {"database": "ok", "cache": "unavailable", "broker": "unavailable"}}
    assert "127.0.0.1" not in response.content.decode()
    logged = [record.getMessage() for record in caplog.records if record.name == "tutor.ops.health"]
    assert logged == ["readiness check cache failed", "readiness check broker failed"]
    assert Client().get("/healthz").status_code == 200  # the process itself is up: no restart wanted


@pytest.mark.django_db
def test_health_endpoints_take_no_auth_no_throttle_and_no_https_redirect(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "1/min", "anon": "1/min"}}
    for _ in range(3):
        assert Client().get("/healthz").status_code == 200
        assert Client().get("/readyz").status_code == 200
    assert Client().get("/").status_code == 301  # everything else is sent to HTTPS
    ApiClientFactory()  # a token client exists, and still nothing asks for it
    assert Client().post("/healthz").status_code == 405
