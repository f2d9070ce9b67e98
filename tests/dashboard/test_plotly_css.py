"""plotly.js inserts its stylesheet at load, which the site's CSP (style-src 'self') refuses: the
charts lost their layout and the modebar its buttons' sizes. The dashboard serves the same rules as
a static file and marks it so that plotly.js inserts nothing (tutor/dashboard/plotly_css.py)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tutor.dashboard.plotly_css import BUNDLE, bundled_style_ids, plotly_rules, stylesheet

STATIC = Path(settings.BASE_DIR) / "static" / "dashboard" / "plotly.css"


def test_the_static_stylesheet_holds_the_bundled_plotly_rules():
    bundle = BUNDLE.read_text()
    assert len(plotly_rules(bundle)) > 50
    assert ".js-plotly-plot .plotly .main-svg { position:absolute;top:0;left:0;pointer-events:none; }" in stylesheet(bundle)
    assert STATIC.read_text() == stylesheet(bundle), \
        "plotly was upgraded: run python -m tutor.dashboard.plotly_css > static/dashboard/plotly.css"


@pytest.mark.django_db
def test_dashboard_pages_carry_the_elements_that_keep_plotly_from_inserting_styles(client, classroom):
    client.force_login(classroom.teachers.get())
    html = client.get(reverse("dashboard:overview", args=[classroom.pk])).content.decode()
    # The href as the static storage names it (hashed names included).
    assert re.search(r'id="plotly\.js-style-global" class="no-inline-styles" href="[^"]*dashboard/plotly[^"]*\.css"', html)
    for style_id in bundled_style_ids(BUNDLE.read_text()):
        assert f'id="{style_id}"' in html
