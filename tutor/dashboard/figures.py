"""Plotly figures of the dashboard, built in Python from the selectors' dataclasses. Pages embed
them as JSON (`figure_json`) and static/dashboard/dashboard.js draws them with the local plotly.js.

Plotly draws its strings as a subset of HTML (`<a href>` becomes a live link, `<b>`, `<br>`...), so
every name that comes from people (learners' labels, usernames, a course pack's names) goes through
`plain` first and is drawn as the text it is."""

import html
import json

import plotly.graph_objects as go
from django.template.loader import render_to_string
from plotly.subplots import make_subplots

from .selectors import LEARNED_EDGE, ClassOverview, CourseStructure, LearnerDetail, PlannerOutcome

MASTERY_SCALE = [[0, "#b71c1c"], [0.5, "#fff59d"], [1, "#1b5e20"]]


def plain(text) -> str:
    """Text for a Plotly string (tick label, hover text, legend, annotation) drawn as written, not as
    Plotly's HTML: &, < and > become entities plotly.js turns back into characters. Not quotes:
    plotly.js decodes numeric entities and a few named ones, and &quot; is not among them."""
    return html.escape(str(text), quote=False)


def _plain_names(names: dict[str, str]) -> dict[str, str]:
    return {key: plain(name) for key, name in names.items()}


def figure_json(figure: go.Figure) -> dict:
    """The figure as plain JSON data (numpy arrays become lists) for json_script."""
    return json.loads(figure.to_json())


def display_names(overview: ClassOverview, anonymise: bool) -> list[str]:
    """Learner names, or "Learner 1..n" in enrolment order for projecting in class."""
    return [f"Learner {n}" if anonymise else row.name for n, row in enumerate(overview.learners, 1)]


def mastery_heatmap(overview: ClassOverview, names: list[str]) -> go.Figure:
    figure = go.Figure(go.Heatmap(
        z=overview.p, x=[plain(name) for name in overview.kc_names], y=[plain(name) for name in names], customdata=overview.sd, zmin=0, zmax=1,
        colorscale=MASTERY_SCALE, colorbar={"title": "P(mastered)"}, xgap=1, ygap=1,
        hovertemplate="%{y}<br>%{x}<br>P(mastered) %{z:.2f}<br>uncertainty (sd) %{customdata:.2f}<extra></extra>",
    ))
    figure.update_layout(
        title={"text": "Skills in prerequisite order", "font": {"size": 14}}, height=200 + 26 * len(names),
        margin={"t": 50, "l": 10, "r": 10, "b": 10},
        yaxis={"autorange": "reversed", "automargin": True, "dtick": 1},
        xaxis={"automargin": True, "tickangle": -40},
    )
    return figure


def activity_figure(overview: ClassOverview) -> go.Figure:
    days = [day.isoformat() for day, _, _ in overview.activity]
    figure = go.Figure([
        go.Bar(x=days, y=[n for _, n, _ in overview.activity], name="answers"),
        go.Scatter(x=days, y=[k for _, _, k in overview.activity], name="learners active", mode="lines+markers",
                   yaxis="y2"),
    ])
    figure.update_layout(title="Activity per day", height=300, margin={"t": 50, "l": 10, "r": 10, "b": 10},
                         xaxis={"type": "date", "tickformat": "%d %b"}, yaxis={"title": "answers", "automargin": True},
                         yaxis2={"title": "learners", "overlaying": "y", "side": "right", "rangemode": "tozero",
                                 "tickformat": "d"},
                         legend={"orientation": "h"})
    return figure


def learning_curves(detail: LearnerDetail, kcs: list[str], kc_names: dict[str, str]) -> go.Figure:
    """Per KC: the tracer's P(correct) before each answer against what the learner answered."""
    kc_names = _plain_names(kc_names)
    figure = go.Figure()
    for kc in kcs:
        points = [p for p in detail.replay.curve if p.kc == kc]
        if not points:
            continue
        x = [p.n for p in points]
        figure.add_trace(go.Scatter(x=x, y=[p.predicted for p in points], mode="lines", legendgroup=kc,
                                    name=f"{kc_names[kc]}: predicted"))
        figure.add_trace(go.Scatter(x=x, y=[int(p.correct) for p in points], mode="markers", legendgroup=kc,
                                    name=f"{kc_names[kc]}: answered", marker={"symbol": "circle-open", "size": 9}))
    figure.update_layout(title="Predicted chance of a right answer against the answers (1 right, 0 wrong)",
                         height=420, margin={"t": 50, "l": 10, "r": 10, "b": 10},
                         xaxis={"title": "answer on the skill"}, yaxis={"range": [-0.05, 1.05], "title": "P(correct)"})
    return figure


def recall_figure(detail: LearnerDetail, kc_names: dict[str, str]) -> go.Figure:
    kc_names = _plain_names(kc_names)
    figure = go.Figure([go.Scatter(x=list(range(len(curve))), y=curve, mode="lines", name=kc_names[kc])
                        for kc, curve in detail.recall.items()])
    figure.update_layout(title="Predicted mastery over the coming weeks without practice", height=360,
                         margin={"t": 50, "l": 10, "r": 10, "b": 10},
                         xaxis={"title": "days from now"}, yaxis={"range": [0, 1], "title": "P(mastered)"})
    return figure


def _positions(structure: CourseStructure) -> dict[str, tuple[float, float]]:
    """KCs in columns by prerequisite depth, spread evenly down each column."""
    columns: dict[int, list[str]] = {}
    for kc in structure.kcs:
        columns.setdefault(structure.depth[kc], []).append(kc)
    return {kc: (depth, -row) for depth, members in columns.items() for row, kc in enumerate(members)}


def graph_figure(structure: CourseStructure) -> go.Figure:
    """The declared graph beside the learned one; on the right, red edges are learned but not
    declared and dotted grey ones declared but not supported by the data."""
    at = _positions(structure)
    kc_names = _plain_names(structure.kc_names)
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Declared prerequisites",
                                                           f"Learned (edges with P >= {LEARNED_EDGE})"))
    learned = {edge for edge, p in structure.learned.items() if p >= LEARNED_EDGE}
    panels = (
        (1, [(edge, "#555", "solid", "declared") for edge in sorted(structure.declared)]),
        (2, [(edge, "#1565c0" if edge in structure.declared else "#c62828", "solid",
              f"P={structure.learned[edge]:.2f}" + ("" if edge in structure.declared else ", not declared"))
             for edge in sorted(learned)]
            + [(edge, "#9e9e9e", "dot", f"declared, P={structure.learned[edge]:.2f}")
               for edge in sorted(structure.declared - learned)]),
    )
    for col, edges in panels:
        for (pre, kc), colour, dash, label in edges:
            (x0, y0), (x1, y1) = at[pre], at[kc]
            figure.add_trace(go.Scatter(
                x=[x0, x1], y=[y0, y1], mode="lines", showlegend=False, hoverinfo="text",
                text=f"{kc_names[pre]} → {kc_names[kc]}: {label}",
                line={"color": colour, "dash": dash, "width": 1 + 3 * structure.learned[(pre, kc)]}), row=1, col=col)
        # Numbers, not names, on the nodes: names overlap; the page lists them by number, hover names them.
        figure.add_trace(go.Scatter(
            x=[at[kc][0] for kc in structure.kcs], y=[at[kc][1] for kc in structure.kcs], mode="markers+text",
            text=[str(n) for n in range(1, len(structure.kcs) + 1)], textfont={"color": "#fff", "size": 10},
            hovertext=[kc_names[kc] for kc in structure.kcs], hoverinfo="text", showlegend=False,
            marker={"size": 20, "color": "#0b3d91"}), row=1, col=col)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.update_layout(height=(200 + 50 * max(-y for _, y in at.values())) if at else 300,
                         margin={"t": 50, "l": 10, "r": 10, "b": 10})
    return figure


def difficulty_figure(structure: CourseStructure) -> go.Figure:
    names = [plain(structure.kc_names[kc]) for kc in structure.kcs]
    answered = [structure.kc_correct.get(kc, (0, None)) for kc in structure.kcs]
    figure = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.12,
                           subplot_titles=("Skill difficulty", "Item difficulty (tracer)"))
    figure.add_trace(go.Bar(y=names, x=[structure.kc_difficulty[kc] for kc in structure.kcs], orientation="h",
                            name="tracer difficulty (higher is harder)"), row=1, col=1)
    # Skills nobody answered have no share: no marker rather than a misleading 0%.
    figure.add_trace(go.Scatter(y=names, x=[None if share is None else 1 - share for _, share in answered],
                                mode="markers",
                                name="share of this class's answers wrong", customdata=[n for n, _ in answered],
                                hovertemplate="%{y}: %{x:.0%} wrong of %{customdata} answers<extra></extra>"),
                     row=1, col=1)
    figure.add_trace(go.Histogram(x=structure.item_difficulty, name="items", nbinsx=20), row=1, col=2)
    figure.update_layout(height=200 + 22 * len(names), margin={"t": 50, "l": 10, "r": 10, "b": 10},
                         legend={"orientation": "h"})
    figure.update_yaxes(automargin=True, autorange="reversed", dtick=1, row=1, col=1)
    return figure


def benchmark_figure(cells: list[dict]) -> go.Figure:
    """Post-test per planner in every simulated cell, with the benchmark's 95% intervals."""
    label = lambda cell: plain(f"{cell['family']} {cell['scenario']} N={cell['horizon']}")
    figure = go.Figure()
    for planner in dict.fromkeys(cell["planner"] for cell in cells):
        mine = [cell for cell in cells if cell["planner"] == planner]
        error = None
        if all("posttest_ci" in cell for cell in mine):
            error = {"type": "data", "symmetric": False,
                     "array": [cell["posttest_ci"][1] - cell["posttest"] for cell in mine],
                     "arrayminus": [cell["posttest"] - cell["posttest_ci"][0] for cell in mine]}
        figure.add_trace(go.Bar(x=[label(cell) for cell in mine], y=[cell["posttest"] for cell in mine],
                                name=plain(planner), error_y=error))
    figure.update_layout(title="Post-test on simulated cohorts", barmode="group", height=420,
                         yaxis={"title": "post-test", "range": [0, 1]}, margin={"t": 50, "l": 10, "r": 10, "b": 10},
                         legend={"orientation": "h"})
    return figure


def class_planner_figure(outcomes: list[PlannerOutcome]) -> go.Figure:
    figure = go.Figure(go.Bar(x=[plain(o.planner) for o in outcomes], y=[o.posttest for o in outcomes],
                              customdata=[o.learners for o in outcomes],
                              hovertemplate="%{x}: mean mastery %{y:.2f} over %{customdata} learners<extra></extra>"))
    figure.update_layout(title="This class: mean mastery now by planner", height=320,
                         yaxis={"title": "mean P(mastered)", "range": [0, 1]}, margin={"t": 50, "l": 10, "r": 10, "b": 10})
    return figure


def overview_figures(overview: ClassOverview, anonymise: bool) -> dict:
    """What the class overview draws, for the page and for each live update alike."""
    names = display_names(overview, anonymise)
    named = dict(zip((row.id for row in overview.learners), names))
    return {
        "heatmap": figure_json(mastery_heatmap(overview, names)),
        "activity": figure_json(activity_figure(overview)),
        "needs_help": [{"id": row.id, "name": named[row.id], "reasons": list(row.reasons)}
                       for row in overview.needs_help],
    }


def needs_help_html(classroom, needs_help: list[dict], anonymise: bool) -> str:
    """The "needs help now" list, rendered once for the page and for each live update."""
    return render_to_string("dashboard/_needs_help.html",
                            {"classroom": classroom, "needs_help": needs_help, "anon": anonymise})
