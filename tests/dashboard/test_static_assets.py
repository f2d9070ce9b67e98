"""plotly.js is a vendored static file (tutor/dashboard/plotly_css.py): with production's storage the pages
name it by a hashed URL, and WhiteNoise serves it compressed with far-future cache headers. (A page
without a chart does not load it: tests/dashboard/test_problems.py.)"""

import gzip
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tutor.dashboard.plotly_css import BUNDLE
from tutor.learning.models import Learner

pytestmark = pytest.mark.django_db

HASHED_PLOTLY = re.compile(r'<script src="/static/vendor/plotly/plotly-cartesian\.min\.[0-9a-f]{12}\.js"')


@pytest.fixture
def production_static(settings, tmp_path):
    """Static files as production serves them: collected with hashed names and precompressed copies."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    settings.WHITENOISE_USE_FINDERS = False  # only what collectstatic wrote, as in production
    call_command("collectstatic", interactive=False, verbosity=0)
    return tmp_path


def test_chart_pages_load_plotly_by_hashed_url_and_get_it_compressed(production_static, classroom):
    client = Client()  # its WhiteNoise reads the collected files
    client.force_login(classroom.teachers.get())
    learner = Learner.objects.get(enrollment__classroom=classroom, kind="model")
    html = client.get(reverse("dashboard:learner", args=[classroom.pk, learner.pk])).content.decode()
    url = HASHED_PLOTLY.search(html).group(0).split('"')[1]

    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"] and "max-age=315360000" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert gzip.decompress(body) == BUNDLE.read_bytes()
    assert len(body) < BUNDLE.stat().st_size / 3

    plain = client.get(url)  # a client that does not accept gzip still gets the file
    assert "Content-Encoding" not in plain and int(plain["Content-Length"]) == BUNDLE.stat().st_size

