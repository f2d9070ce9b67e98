"""Requests for one model-student racing over HTTP (PostgreSQL: real row locks; skipped elsewhere)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from tests.api.helpers import token_client
from tests.tutor.test_concurrency import errors_of_threads
from tutor.accounts.models import ApiClient
from tutor.content.models import Item
from tutor.learning.models import Attempt

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it there)"),
]


def test_next_racing_attempts_for_one_learner_never_fails(valid_pack_path):
    """Issue 18 defect 5: next/ waiting for the state row that attempts/ holds used to read the last
    attempt joined to the row it first saw (PostgreSQL re-reads only the locked row after the wait):
    None, and a 500."""
    call_command("load_course", str(valid_pack_path), stdout=StringIO())
    client = ApiClient(name="racer")
    token = client.issue_token()
    client.save()
    owner = token_client(token)
    learner = owner.post("/api/v1/learners/", {"course": "tiny", "external_id": "r1", "planner": "mastery"},
                         format="json").json()["id"]
    item = Item.objects.get(course__slug="tiny", key="add-1").pk
    base = f"/api/v1/learners/{learner}"
    statuses: list[tuple[str, int]] = []

    def drive(kind: str):
        owner = token_client(token)  # a client of its own per thread, as separate processes would hold
        for n in range(12):
            if kind == "answer":
                # Wrong answers: a right one would solve the item in its visit, and later answers in
                # that visit are replays (200), depending on how the threads interleave with next/.
                response = owner.post(f"{base}/attempts/", {"item": item, "correct": False}, format="json")
            else:
                response = owner.get(f"{base}/next/")
            statuses.append((kind, response.status_code))

    assert errors_of_threads(drive, ("answer", "next", "answer", "next")) == []
    assert sorted(set(statuses)) == [("answer", 201), ("next", 200)], [s for s in statuses if s[1] >= 300][:5]
    assert Attempt.objects.filter(learner_id=learner).count() == 24
