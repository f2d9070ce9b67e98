"""The services pass (`make test-services`, pytest -p tests.services_pass) runs only the tests that reach
PostgreSQL, Redis, the broker or the channel layer: the first pass of `make test` ran every test already,
on SQLite and the in-process defaults, and a test that reaches none of them proves nothing new here.

A test reaches them through pytest-django's database (the django_db mark or a database fixture, without
which pytest-django refuses any query), a live server, the channel layer or the tasks fixture; a test that
reaches Redis or Celery another way carries the `services` mark (pyproject.toml), as tests/faults and
tests/serving do.
"""

import pytest

REACHES_SERVICES = {
    "db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server",
    "client", "async_client", "admin_client", "admin_user", "django_user_model",
    "channel_layer_of_this_test", "in_process_tasks",
}


def reaches_services(item: pytest.Item) -> bool:
    return (item.get_closest_marker("django_db") is not None or item.get_closest_marker("services") is not None
            or not REACHES_SERVICES.isdisjoint(getattr(item, "fixturenames", ())))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    kept = [item for item in items if reaches_services(item)]
    deselected = [item for item in items if not reaches_services(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
