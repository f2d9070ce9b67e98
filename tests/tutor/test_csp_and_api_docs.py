"""The Content-Security-Policy header, and /api/docs/ served offline: Swagger UI's files come from
the site (drf-spectacular-sidecar), never a CDN. tests/browser/test_csp_in_browser.py shows the
pages satisfy the policy in a real browser."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_pages_carry_a_csp_that_allows_no_inline_or_foreign_script():
    policy = dict(part.strip().split(" ", 1) for part in Client().get("/")["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"


def test_the_api_docs_reference_only_the_sites_own_files_and_each_is_served():
    client = Client()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    references = re.findall(r'(?:src|href)="([^"]+)"', page.content.decode())
    assert len(references) >= 4  # stylesheet, favicon, the two Swagger UI bundles, the start-up script
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference
        assert client.get(reference.replace("&amp;", "&")).status_code == 200, reference
    assert "<script>" not in page.content.decode()  # the start-up script is a file too (the CSP refuses inline ones)
