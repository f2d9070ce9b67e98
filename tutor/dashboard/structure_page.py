"""The course structure page: the prerequisite graph as the tutor's model learned it from the answers,
against the one the course declares, and how hard each skill is."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tutor.learning.engine import course_engine
from tutor.learning.models import TracerModel

from . import figures
from .selectors import LEARNED_EDGE, course_structure
from .views import _classroom


def _fitted(classroom) -> TracerModel | None:
    """The tracer version the course serves, or None while it serves its prior (declared graph)."""
    return TracerModel.objects.filter(course_id=classroom.course_id, is_active=True).only(
        "pk", "created_at", "metrics").first()


def how_sure(p: float, low: float | None = None, high: float | None = None) -> str:
    """A link's probability in words a teacher reads, e.g. "likely (70-90%)": the range is where the
    link stayed when the model was refitted on resampled learners; without one, the single estimate."""
    word = ("very likely" if p >= 0.8 else "likely" if p >= 0.5 else "possible" if p >= 0.2 else "unlikely")
    if low is None:
        return f"{word} ({round(100 * p)}%)"
    return f"{word} ({round(100 * low)}-{round(100 * high)}%)"


def _with_intervals(rows: list[dict], graph) -> list[dict]:
    """Each edge row with its words ("sure") and, where the fit measured one, its interval."""
    index = {kc: n for n, kc in enumerate(graph.kcs)}
    for row in rows:
        j, k = index[row["pre"]], index[row["kc"]]
        bounds = (None, None) if graph.low is None else (float(graph.low[j, k]), float(graph.high[j, k]))
        row["low"], row["high"] = bounds
        row["sure"] = how_sure(row["p"], *bounds)
    return rows


@login_required
def structure(request, classroom_id: int):
    classroom = _classroom(request, classroom_id)
    data = course_structure(classroom=classroom)
    graph = course_engine(classroom.course).tracer.prerequisites()
    edges = _with_intervals([{**row, "kind": figures.edge_kind(row["declared"], row["learned"])}
                             for row in data.edges()], graph)
    fitted = _fitted(classroom)
    styles = figures.edge_styles(fitted is not None)
    return render(request, "dashboard/structure.html", {
        "classroom": classroom, "structure": data, "edges": edges, "fitted": fitted,
        "intervals": graph.low is not None,
        "differences": [row for row in edges if row["kind"] != "kept"], "learned_edge": LEARNED_EDGE,
        "edge_styles": styles,
        "skills": [(data.kc_names[kc], data.kc_difficulty[kc], answers, None if right is None else round(100 * (1 - right)))
                   for kc in data.kcs for answers, right in [data.kc_correct.get(kc, (0, None))]],
        "figures": {"graph": figures.figure_json(figures.graph_figure(data, styles)),
                    "difficulty": figures.figure_json(figures.difficulty_figure(data))},
    })
