"""The charts load plotly.js's vendored cartesian partial bundle (tutor/dashboard/plotly_css.py): it
must be the plotly.js version the python plotly package writes figures for, and hold every trace
type a page draws (a type it lacks draws nothing, with only a console warning)."""

import re
from pathlib import Path

import plotly
import plotly.graph_objects as go
from django.conf import settings
from plotly.basedatatypes import BaseTraceType

from tutor.dashboard.plotly_css import BUNDLE, bundle_version, trace_types

PYTHON_PLOTLY_BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
TRACE_CALL = re.compile(r"\bgo\.([A-Z]\w*)\(")


def _head(path: Path) -> str:
    with path.open() as file:
        return file.read(500)


def test_the_vendored_bundle_is_the_plotly_js_version_python_plotly_bundles():
    vendored = bundle_version(_head(BUNDLE))
    assert re.fullmatch(r"\d+\.\d+\.\d+", vendored)
    assert vendored == bundle_version(_head(PYTHON_PLOTLY_BUNDLE)), \
        "python plotly was upgraded: vendor the same version's plotly.js-cartesian-dist-min"
    assert "(cartesian - minified)" in _head(BUNDLE)
    assert "MIT License" in (BUNDLE.parent / "LICENSE").read_text()


def test_every_trace_type_the_pages_draw_is_in_the_bundle():
    used = set()
    for module in Path(settings.BASE_DIR, "tutor").rglob("*.py"):
        for name in TRACE_CALL.findall(module.read_text()):
            kind = getattr(go, name)
            if isinstance(kind, type) and issubclass(kind, BaseTraceType):
                used.add(kind().type)
    assert {"heatmap", "scatter", "bar", "histogram"} <= used  # what the dashboard and progress page draw
    bundled = trace_types(BUNDLE.read_text())
    assert len(bundled) == 12 and "scattergl" not in bundled  # the cartesian bundle's list, not the full one's
    assert used <= bundled, f"not in the cartesian bundle: {used - bundled}"
