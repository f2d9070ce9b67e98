"""A request id on every response and in every log line of the request, the 500 traceback's
included (issue 18, defect 7 and Deliver 5)."""

import io
import logging
import re

import pytest
from django.test import Client
from django.urls import path

pytestmark = pytest.mark.django_db


def boom(request):
    raise ZeroDivisionError("the view failed")


# The site's own URLs, and one view that fails, for the 500 test.
urlpatterns = [path("boom/", boom)]


@pytest.fixture
def console_log():
    """What the configured console handler (settings.LOGGING) writes, with its filter and format."""
    handler = next(h for h in logging.getLogger("django").handlers if h.get_name() == "console")
    written = io.StringIO()
    before = handler.setStream(written)
    yield written
    handler.setStream(before)


def test_every_response_carries_a_fresh_request_id():
    first, second = Client().get("/healthz"), Client().get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_id_of_a_trusted_proxy_is_kept_and_a_clients_own_is_not(settings):
    offered = "3f2b9c1d0e8a47b6a5c4d3e2f1a0b9c8"
    assert Client().get("/healthz", HTTP_X_REQUEST_ID=offered)["X-Request-ID"] != offered  # no proxy: the client wrote it
    settings.TRUSTED_PROXY_COUNT = 1
    assert Client().get("/healthz", HTTP_X_REQUEST_ID=offered)["X-Request-ID"] == offered
    forged = Client().get("/healthz", HTTP_X_REQUEST_ID="x\nERROR forged log line")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)


def test_the_500_traceback_log_line_carries_the_request_id(settings, console_log):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    log = console_log.getvalue()
    assert f"ERROR [{request_id}] django.request: Internal Server Error: /boom/" in log
    assert "ZeroDivisionError: the view failed" in log


def test_log_lines_outside_a_request_say_so(console_log):
    logging.getLogger("tutor.test").warning("no request here")
    assert "WARNING [-] tutor.test: no request here" in console_log.getvalue()
