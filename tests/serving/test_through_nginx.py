"""The site as deployed: every request below goes through nginx (deploy/nginx/tutor.conf, TLS terminated
there) to gunicorn or daphne, under production settings (issue 18, Deliver 8)."""

import asyncio
import json
import re

import pytest
import websockets

pytestmark = pytest.mark.timeout(300)


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
    assert [row["id"] for row in stored] == [answered.json()["id"]]


def _signed_up(deployed, http, username: str):
    """A learner signed up through the site's own form, as a browser would (CSRF token and all)."""
    form = http.get("/accounts/signup/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    password = "a long enough passphrase 7"
    response = http.post("/accounts/signup/", headers={"Referer": f"{deployed.url}/accounts/signup/"}, data={
        "csrfmiddlewaretoken": token, "username": username, "password1": password, "password2": password})
    assert response.status_code == 302, response.text[-2000:]


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
