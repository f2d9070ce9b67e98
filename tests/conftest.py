import pytest


@pytest.fixture
def valid_pack_path():
    from pathlib import Path

    return Path(__file__).parent / "tutor" / "packs" / "valid"


@pytest.fixture
def in_process_tasks():
    """Tasks scheduled by the code under test run right here, also when a broker is configured (the
    services pass); the broker and real workers are tested in tests/faults."""
    from tutor.celery import app

    app.conf.task_always_eager, before = True, app.conf.task_always_eager
    yield
    app.conf.task_always_eager = before
