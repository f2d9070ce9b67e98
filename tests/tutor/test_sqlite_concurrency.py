"""The embedded default under concurrent API use: model-student programs at once against one SQLite file
through a threaded server get no errors, and every answer is stored exactly once (issue 18)."""

from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
import requests
from django.core.management import call_command
from django.db import connection

from tutor.accounts.models import ApiClient
from tutor.learning.models import Attempt

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="about the SQLite default (CI runs PostgreSQL apart)"),
]

CLIENTS = 8
LEARNERS_PER_CLIENT = 2
ANSWERS_PER_LEARNER = 10


def drive(base: str, token: str, client: int) -> tuple[list[str], int]:
    """One program: its learners, each asked for an item and answering it, in turn; every answer is then
    sent again with its key, as after a lost reply. The failed requests and the answers sent."""
    failures, sent = [], 0
    with requests.Session() as http:
        http.headers["Authorization"] = f"Token {token}"

        def call(method: str, path: str, **kwargs) -> requests.Response:
            response = http.request(method, f"{base}/api/v1/{path}", timeout=60, **kwargs)
            if not response.ok:
                failures.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
            return response

        learners = []
        for n in range(LEARNERS_PER_CLIENT):
            created = call("POST", "learners/", json={"course": "tiny", "external_id": f"c{client}-{n}",
                                                      "planner": "mastery"})
            if created.ok:
                learners.append(created.json()["id"])
        answers = []
        for step in range(ANSWERS_PER_LEARNER):
            for learner in learners:
                chosen = call("GET", f"learners/{learner}/next/")
                if not chosen.ok:
                    continue
                body = {"item": chosen.json()["item"]["id"], "correct": step % 3 != 0,
                        "idempotency_key": f"c{client}-{learner}-{step}"}
                if call("POST", f"learners/{learner}/attempts/", json=body).ok:
                    sent += 1
                    answers.append((learner, body))
        for learner, body in answers:
            call("POST", f"learners/{learner}/attempts/", json=body)
    return failures, sent


def test_concurrent_programs_on_the_sqlite_default_get_no_errors_and_lose_nothing(live_server, valid_pack_path):
    assert not connection.is_in_memory_db(), "needs a file database, as served (DATABASES TEST NAME)"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone() == ("wal",)
    call_command("load_course", str(valid_pack_path), stdout=StringIO())
    tokens = []
    for n in range(CLIENTS):
        client = ApiClient(name=f"program-{n}")
        tokens.append(client.issue_token())
        client.save()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(drive, [live_server.url] * CLIENTS, tokens, range(CLIENTS)))

    failures = [failure for failed, _ in results for failure in failed]
    assert failures == [], f"{len(failures)} failed requests, first: {failures[:3]}"
    posted = sum(sent for _, sent in results)
    assert posted == CLIENTS * LEARNERS_PER_CLIENT * ANSWERS_PER_LEARNER
    assert Attempt.objects.count() == posted
    assert Attempt.objects.values("learner", "idempotency_key").distinct().count() == posted
