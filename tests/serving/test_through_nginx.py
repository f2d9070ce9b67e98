"""The site as deployed: every request below goes through nginx (deploy/nginx/tutor.conf, TLS terminated
there) to gunicorn or daphne, under production settings (issue 18, Deliver 8)."""

import asyncio
import json
import re

import pytest
import websockets

from .conftest import METRICS_TOKEN

pytestmark = [pytest.mark.services, pytest.mark.timeout(300)]


def test_an_api_turn_through_nginx(deployed):
    token = deployed.manage("create_api_client", "serving-test").strip()
    with deployed.client() as http:
        http.headers["Authorization"] = f"Token {token}"
        created = http.post("/api/v1/learners/", json={"course": "demo-algebra", "external_id": "via-nginx"})
        assert created.status_code == 201, created.text
        learner = created.json()["id"]
        served = http.get(f"/api/v1/learners/{learner}/next/")
        assert served.status_code == 200, served.text
        item = served.json()["item"]["id"]
        answered = http.post(f"/api/v1/learners/{learner}/attempts/",
                             json={"item": item, "correct": True, "idempotency_key": "nginx-1"})
        assert answered.status_code == 201, answered.text
        stored = http.get(f"/api/v1/learners/{learner}/attempts/").json()["results"]
        # The request id is nginx's ($request_id), whatever the client wrote in the header itself.
        traced = http.get("/api/v1/courses/", headers={"X-Request-ID": "chosen-by-the-client"})
    assert [row["id"] for row in stored] == [answered.json()["id"]]
    assert re.fullmatch(r"[0-9a-f]{32}", traced.headers["X-Request-ID"]), traced.headers


PASSWORD = "a long enough passphrase 7"


def _form_post(deployed, http, path: str, fields: dict, headers: dict | None = None) -> int:
    """A form sent as a browser sends it (the CSRF token from the form, the Referer of an HTTPS page)."""
    form = http.get(path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    response = http.post(path, headers={"Referer": f"{deployed.url}{path}", **(headers or {})},
                         data={"csrfmiddlewaretoken": token, **fields})
    return response.status_code


def _signed_up(deployed, http, username: str):
    """A learner signed up through the site's own form."""
    fields = {"username": username, "password1": PASSWORD, "password2": PASSWORD}
    assert _form_post(deployed, http, "/accounts/signup/", fields) == 302


def _open_step(http) -> tuple[str, str]:
    """The item the practice page serves and its first open step, read off the pages the browser loads."""
    page = http.get("/learn/demo-algebra/practice/")
    assert page.status_code == 200
    item = re.search(r'class="practice" data-item="(\d+)"', page.text).group(1)
    steps = http.get(f"/learn/demo-algebra/practice/steps/?item={item}")
    step = re.search(r'<li class="step[^"]*" data-step="([^"]+)" data-status="open"', steps.text).group(1)
    return item, step


async def _hint_turn(deployed, cookies: str, item: str, step: str) -> list[dict]:
    async with websockets.connect(f"{deployed.ws_url}/ws/practice/", ssl=deployed.tls, open_timeout=20,
                                  additional_headers={"Cookie": cookies, "Origin": deployed.url}) as socket:
        await socket.send(json.dumps({"type": "hint", "item": int(item), "step": step}))
        frames = []
        while not frames or frames[-1]["type"] not in ("done", "error"):
            frames.append(json.loads(await asyncio.wait_for(socket.recv(), timeout=60)))
        return frames


def test_a_tutor_turn_over_the_practice_socket_through_nginx(deployed):
    with deployed.client() as http:
        _signed_up(deployed, http, "socket-learner")
        item, step = _open_step(http)
        cookies = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
    frames = asyncio.run(_hint_turn(deployed, cookies, item, step))
    kinds = [frame["type"] for frame in frames]
    assert kinds[0] == "start" and kinds[-1] == "done", frames
    said = "".join(frame["text"] for frame in frames if frame["type"] == "delta")
    assert said.strip(), frames
    assert frames[-1]["step"] == step and frames[-1]["turn"]


def _login(deployed, address: str, password: str, spoofed: str) -> int:
    """A login from the loopback `address`, claiming to be `spoofed` in its own X-Forwarded-For."""
    with deployed.client(address) as http:
        return _form_post(deployed, http, "/accounts/login/", {"username": "locked-learner", "password": password},
                          headers={"X-Forwarded-For": spoofed})


def test_the_client_address_behind_nginx_reaches_the_login_limiter(deployed):
    """LOGIN_FAILURE_LIMIT=3 per account and client address, the address being the one nginx saw
    (TRUSTED_PROXY_COUNT=1): what a client writes into X-Forwarded-For itself changes nothing."""
    with deployed.client("127.0.0.4") as http:
        _signed_up(deployed, http, "locked-learner")
    # Each try claims another address; all three count against 127.0.0.2, and the third locks it out.
    assert [_login(deployed, "127.0.0.2", "wrong", spoofed=f"203.0.113.{n}") for n in range(3)] == [200, 200, 429]
    assert _login(deployed, "127.0.0.2", PASSWORD, spoofed="198.51.100.7") == 429  # locked, spoofing or not
    assert _login(deployed, "127.0.0.3", PASSWORD, spoofed="127.0.0.2") == 302  # another client is not


def test_metrics_sum_every_gunicorn_worker(deployed):
    """Two gunicorn workers write their figures to PROMETHEUS_MULTIPROC_DIR; one scrape sums them."""
    token = deployed.manage("create_api_client", "metrics-test").strip()
    with deployed.client() as http:
        for _ in range(6):  # spread over the workers by the kernel
            assert http.get("/api/v1/courses/", headers={"Authorization": f"Token {token}"}).status_code == 200
        assert http.get("/metrics").status_code == 401
        scrape = http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scrape.status_code == 200
    served = re.findall(r'^django_http_responses_total_by_status_view_method_total\{[^}]*view="course-list"[^}]*\} (\S+)$',
                        scrape.text, flags=re.MULTILINE)
    assert sum(float(value) for value in served) >= 6, scrape.text[-3000:]
    assert 'tutor_queue_length{queue="interactive"}' in scrape.text
