"""The course structure page: the prerequisite graph as the tutor's model learned it from the answers,
against the one the course declares, and how hard each skill is."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tutor.learning.models import TracerModel

from . import figures
from .selectors import LEARNED_EDGE, course_structure
from .views import _classroom


def _fitted(classroom) -> TracerModel | None:
    """The tracer version the course serves, or None while it serves its prior (declared graph)."""
    return TracerModel.objects.filter(course_id=classroom.course_id, is_active=True).only(
        "pk", "created_at", "metrics").first()


@login_required
def structure(request, classroom_id: int):
    classroom = _classroom(request, classroom_id)
    data = course_structure(classroom=classroom)
    edges = [{**row, "kind": figures.edge_kind(row["declared"], row["learned"])} for row in data.edges()]
    return render(request, "dashboard/structure.html", {
        "classroom": classroom, "structure": data, "edges": edges, "fitted": _fitted(classroom),
        "differences": [row for row in edges if row["kind"] != "kept"], "learned_edge": LEARNED_EDGE,
        "edge_styles": figures.EDGE_STYLES,
        "skills": [(data.kc_names[kc], data.kc_difficulty[kc], answers, None if right is None else round(100 * (1 - right)))
                   for kc in data.kcs for answers, right in [data.kc_correct.get(kc, (0, None))]],
        "figures": {"graph": figures.figure_json(figures.graph_figure(data)),
                    "difficulty": figures.figure_json(figures.difficulty_figure(data))},
    })
