"""Plotly figures of the dashboard, built in Python from the selectors' dataclasses. Pages embed
them as JSON (`figure_json`) and static/dashboard/dashboard.js draws them with the local plotly.js.

Plotly draws its strings as a subset of HTML (`<a href>` becomes a live link, `<b>`, `<br>`...), so
every name that comes from people (learners' labels, usernames, a course pack's names) goes through
`plain` first and is drawn as the text it is."""

import html
import json
import textwrap

import plotly.colors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from tutor.learning.levels import NAMES, ORDER

from .pseudonyms import pseudonyms
from .selectors import RECALL_DAYS, ClassOverview, CourseStructure, LearnerDetail

# Viridis's ends and quarter points, one colour per level from "Attempted" to "Mastered" (lightness
# rises steadily, so the order reads in any kind of colour blindness and in greyscale), and a pale
# grey for "Not started": no red against green.
LEVEL_COLOURS = ["#e8e8e8", "#440154", "#31688e", "#35b779", "#fde725"]

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


def shown_learners(overview: ClassOverview, token: str | None) -> list[tuple[int, str]]:
    """(row index in the overview, name shown) in the order shown: names in enrolment order, or the
    pseudonyms of `token` in their own order (rows in enrolment order would give them away)."""
    if token is None:
        return [(n, row.name) for n, row in enumerate(overview.learners)]
    named = pseudonyms([row.id for row in overview.learners], token)
    shown = [(n, named[row.id]) for n, row in enumerate(overview.learners)]
    return sorted(shown, key=lambda pair: int(pair[1].rsplit(" ", 1)[1]))


def _discrete(colours: list[str]) -> list[list]:
    """A Plotly colour scale with one flat band per colour, for z = 0..len(colours) - 1."""
    bands = len(colours)
    return [[edge / bands, colour] for n, colour in enumerate(colours) for edge in (n, n + 1)]


def mastery_heatmap(overview: ClassOverview, shown: list[tuple[int, str]]) -> go.Figure:
    """Each learner's level in each skill; hover gives the level's numbers in words."""
    cells = [overview.levels[n] for n, _ in shown]
    figure = go.Figure(go.Heatmap(
        z=[[cell.level.rank for cell in row] for row in cells],
        text=[[f"{cell.level.name}: {cell.detail}" for cell in row] for row in cells],
        x=[plain(name) for name in overview.kc_names], y=[plain(name) for _, name in shown],
        zmin=-0.5, zmax=len(LEVEL_COLOURS) - 0.5, colorscale=_discrete(LEVEL_COLOURS), xgap=2, ygap=2,
        colorbar={"title": {"text": "Level"}, "tickvals": list(range(len(ORDER))),
                  "ticktext": [NAMES[key] for key in ORDER], "thickness": 14},
        hovertemplate="%{y}<br>%{x}<br>%{text}<extra></extra>",
    ))
    figure.update_layout(
        title={"text": "Skills in prerequisite order", "font": {"size": 14}}, height=200 + 26 * len(shown),
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


# One colour per skill in every chart of a learner, from a palette that stays distinct in colour
# blindness (Paul Tol's "safe" scheme, as plotly ships it).
SKILL_COLOURS = plotly.colors.qualitative.Safe
# Below the x axis's title, which a horizontal legend at its default place would overlap.
LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.2}


def _skill_colour(detail: LearnerDetail, kc: str) -> str:
    """Numbered among the skills practised (those with a forgetting curve), so that up to eleven
    practised skills never share a colour."""
    return SKILL_COLOURS[list(detail.recall).index(kc) % len(SKILL_COLOURS)]


def learning_curves(detail: LearnerDetail, kcs: list[str], kc_names: dict[str, str]) -> go.Figure:
    """Per KC: the tracer's chance of a right answer before each answer (a line) against what the
    learner answered (circles at 1 and 0), one legend entry and one colour per skill. The page says
    how to read it above the chart: a title would not fit a phone."""
    kc_names = _plain_names(kc_names)
    figure = go.Figure()
    shown = 0
    for kc in kcs:
        points = [p for p in detail.replay.curve if p.kc == kc]
        if not points:
            continue
        shown += 1
        colour = _skill_colour(detail, kc)
        x = [p.n for p in points]
        figure.add_trace(go.Scatter(x=x, y=[p.predicted for p in points], mode="lines", legendgroup=kc,
                                    name=kc_names[kc], line={"color": colour},
                                    hovertemplate="answer %{x}: expected chance %{y:.0%}"))
        figure.add_trace(go.Scatter(x=x, y=[int(p.correct) for p in points], mode="markers", legendgroup=kc,
                                    name=f"{kc_names[kc]}: answers", showlegend=False,
                                    marker={"symbol": "circle-open", "size": 9, "color": colour},
                                    customdata=["right" if p.correct else "wrong" for p in points],
                                    hovertemplate="answer %{x}: %{customdata}"))
    figure.update_layout(height=320 + 24 * shown, margin={"t": 10, "l": 10, "r": 10, "b": 10}, legend=LEGEND_BELOW,
                         xaxis={"title": "answer on the skill", "dtick": 1},
                         yaxis={"range": [-0.05, 1.05], "title": "chance of a right answer", "tickformat": ".0%"})
    return figure


def curve_table(detail: LearnerDetail, kcs: list[str], kc_names: dict[str, str]) -> list[dict]:
    """The learning curves' data as rows for their table alternative, skill by skill."""
    return [{"skill": kc_names[kc], "n": point.n, "expected": point.predicted, "correct": point.correct}
            for kc in kcs for point in detail.replay.curve if point.kc == kc]


RECALL_TABLE_DAYS = (0, 7, 14, 28, RECALL_DAYS)


def recall_table(detail: LearnerDetail, kc_names: dict[str, str]) -> list[tuple[str, list[float]]]:
    """The forgetting curves at RECALL_TABLE_DAYS, for their table alternative."""
    return [(kc_names[kc], [curve[day] for day in RECALL_TABLE_DAYS]) for kc, curve in detail.recall.items()]


def recall_figure(detail: LearnerDetail, kc_names: dict[str, str]) -> go.Figure:
    kc_names = _plain_names(kc_names)
    figure = go.Figure([go.Scatter(x=list(range(len(curve))), y=curve, mode="lines", name=kc_names[kc],
                                   line={"color": _skill_colour(detail, kc)},
                                   hovertemplate="in %{x} days: %{y:.0%}")
                        for kc, curve in detail.recall.items()])
    figure.update_layout(height=300 + 24 * len(detail.recall), margin={"t": 10, "l": 10, "r": 10, "b": 10},
                         legend=LEGEND_BELOW, xaxis={"title": "days from now"},
                         yaxis={"range": [0, 1], "title": "estimated mastery", "tickformat": ".0%"})
    return figure


def _positions(structure: CourseStructure) -> dict[str, tuple[float, float]]:
    """KCs in columns by declared prerequisite depth (left to right), spread evenly down each column
    and centred on the tallest one."""
    columns: dict[int, list[str]] = {}
    for kc in structure.kcs:
        columns.setdefault(structure.depth[kc], []).append(kc)
    tallest = max((len(members) for members in columns.values()), default=1)
    return {kc: (depth, (len(members) - 1) / 2 - row - (tallest - 1) / 2)
            for depth, members in columns.items() for row, kc in enumerate(members)}


def _wrapped(name: str, width: int = 16) -> str:
    """A skill's name on lines of about `width` characters, for a node's label."""
    return "<br>".join(textwrap.wrap(plain(name), width)) or plain(name)


# How each kind of edge is drawn: Okabe and Ito's colour-blind-safe colours, and a line style of its
# own for each kind, so that the kinds differ in greyscale too.
EDGE_STYLES = {
    "kept": ("declared and supported by the answers", "#0072B2", "solid"),
    "added": ("found in the answers, not declared", "#D55E00", "dash"),
    "removed": ("declared, not supported by the answers", "#999999", "dot"),
}


# Before the model is fitted to the course's answers it holds the declared graph and nothing learned:
# every edge is the course's own, and the key must not say the answers support it.
UNFITTED_EDGE_STYLES = {"kept": ("declared by the course", *EDGE_STYLES["kept"][1:])}


def edge_styles(fitted: bool) -> dict[str, tuple[str, str, str]]:
    return EDGE_STYLES if fitted else UNFITTED_EDGE_STYLES


def edge_kind(declared: bool, learned: bool) -> str:
    return "kept" if declared and learned else "added" if learned else "removed"


def _curve(start: tuple[float, float], end: tuple[float, float], points: int = 16) -> list[tuple[float, float]]:
    """A gentle arc from start to end (a quadratic Bezier bent to the left of its direction), so that
    an edge never runs through the nodes between its ends and j -> k and k -> j bend apart."""
    (x0, y0), (x1, y1) = start, end
    bend = 0.18
    cx, cy = (x0 + x1) / 2 - bend * (y1 - y0), (y0 + y1) / 2 + bend * (x1 - x0)
    return [((1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t * t * x1, (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t * t * y1)
            for t in (n / points for n in range(points + 1))]


def graph_figure(structure: CourseStructure, styles: dict[str, tuple[str, str, str]] = EDGE_STYLES) -> go.Figure:
    """The prerequisite graph as the answers show it: an arrow from each prerequisite to the skill that
    needs it, labelled with how strongly the tracer links them; declared edges the answers support,
    edges they add and declared edges they do not support in a colour and line style each
    (EDGE_STYLES, explained by the page's key), every node named."""
    at = _positions(structure)
    figure = go.Figure()
    edges = structure.edges()
    for kind, (meaning, colour, dash) in styles.items():
        mine = [row for row in edges if edge_kind(row["declared"], row["learned"]) == kind]
        curves = [_curve(at[row["pre"]], at[row["kc"]]) for row in mine]
        # One trace of lines per kind (None between edges).
        xs = [x for curve in curves for x in [*(x for x, _ in curve), None]]
        ys = [y for curve in curves for y in [*(y for _, y in curve), None]]
        figure.add_trace(go.Scatter(x=xs or [None], y=ys or [None], mode="lines", name=plain(meaning),
                                    line={"color": colour, "dash": dash, "width": 2.5}, hoverinfo="skip",
                                    legendgroup=kind, showlegend=False))
        # How strongly linked, at the middle of each edge, with its words on hover.
        middle = len(curves[0]) // 2 if curves else 0
        figure.add_trace(go.Scatter(
            x=[curve[middle][0] for curve in curves], y=[curve[middle][1] for curve in curves], mode="text",
            text=[f"{row['p']:.0%}" for row in mine], textfont={"color": colour, "size": 12},
            hovertext=[f"{plain(row['pre_name'])} → {plain(row['kc_name'])}: {row['p']:.0%} likely, {meaning}"
                       for row in mine], hoverinfo="text", showlegend=False, legendgroup=kind))
        for curve in curves:
            (x0, y0), (x1, y1) = curve[-4], curve[-1]
            figure.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                                  arrowhead=2, arrowsize=1.3, arrowwidth=2, arrowcolor=colour, standoff=9, text="")
    figure.add_trace(go.Scatter(
        x=[at[kc][0] for kc in structure.kcs], y=[at[kc][1] for kc in structure.kcs], mode="markers+text",
        text=[_wrapped(structure.kc_names[kc]) for kc in structure.kcs], textposition="top center",
        textfont={"size": 11, "color": "#111"}, hovertext=[plain(structure.kc_names[kc]) for kc in structure.kcs],
        hoverinfo="text", showlegend=False, marker={"size": 14, "color": "#fff", "line": {"color": "#222", "width": 2}}))
    # Nodes run from y = 0 down to y = -(tallest column - 1); above the top one, room for its label
    # (the labels sit over their nodes). The range was symmetric about 0 before, which left the top half
    # of the figure empty and squeezed the nodes and their labels together in the bottom half.
    lowest = min((y for _, y in at.values()), default=0)
    figure.update_xaxes(visible=False, range=[-0.5, max((x for x, _ in at.values()), default=0) + 0.5])
    figure.update_yaxes(visible=False, range=[lowest - 0.4, 0.9])
    figure.update_layout(height=round(40 + 120 * (1.3 - lowest)), margin={"t": 10, "l": 10, "r": 10, "b": 10},
                         plot_bgcolor="#fff", showlegend=False)
    return figure


def difficulty_figure(structure: CourseStructure) -> go.Figure:
    names = [plain(structure.kc_names[kc]) for kc in structure.kcs]
    answered = [structure.kc_correct.get(kc, (0, None)) for kc in structure.kcs]
    figure = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.12,
                           subplot_titles=("Skill difficulty", "Difficulty of the problems"))
    figure.add_trace(go.Bar(y=names, x=[structure.kc_difficulty[kc] for kc in structure.kcs], orientation="h",
                            name="estimated difficulty (higher is harder)"), row=1, col=1)
    # Skills nobody answered have no share: no marker rather than a misleading 0%.
    figure.add_trace(go.Scatter(y=names, x=[None if share is None else 1 - share for _, share in answered],
                                mode="markers",
                                name="share of this class's answers wrong", customdata=[n for n, _ in answered],
                                hovertemplate="%{y}: %{x:.0%} wrong of %{customdata} answers<extra></extra>"),
                     row=1, col=1)
    figure.add_trace(go.Histogram(x=structure.item_difficulty, name="problems", nbinsx=20), row=1, col=2)
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


def _error_bars(intervals: list[tuple[float, float | None, float | None]]) -> dict | None:
    """Asymmetric error bars from (mean, low, high); a bar without an interval gets none."""
    if not any(low is not None for _, low, _ in intervals):
        return None
    return {"type": "data", "symmetric": False,
            "array": [0 if high is None else high - mean for mean, _, high in intervals],
            "arrayminus": [0 if low is None else mean - low for mean, low, _ in intervals]}


def class_planner_figure(rows: list[dict]) -> go.Figure:
    """Per planner used in the class, the learners' mean estimated mastery now with its 95% interval
    (rows from planners_page: the outcome and its interval)."""
    intervals = [(row["interval"].mean, row["interval"].low, row["interval"].high) for row in rows]
    figure = go.Figure(go.Bar(
        x=[_wrapped(row["label"], 30) for row in rows], y=[mean for mean, _, _ in intervals],
        error_y=_error_bars(intervals), customdata=[row["outcome"].learners for row in rows],
        hovertemplate="%{x}: mean estimated mastery %{y:.0%} over %{customdata} learners<extra></extra>"))
    figure.update_layout(title="This class: mean mastery now by planner, with 95% intervals", height=320,
                         yaxis={"title": "mean estimated mastery", "range": [0, 1], "tickformat": ".0%"},
                         margin={"t": 50, "l": 10, "r": 10, "b": 10})
    return figure


def comparison_figure(cells: list[dict]) -> go.Figure:
    """A simulated comparison's post-test per planner with its 95% interval, best possible last."""
    intervals = [(cell["posttest"], *cell["posttest_ci"]) for cell in cells]
    figure = go.Figure(go.Bar(
        y=[_wrapped(cell["label"], 22) for cell in cells], x=[mean for mean, _, _ in intervals], orientation="h",
        error_x=_error_bars(intervals), marker={"color": [SKILL_COLOURS[0] if cell["planner"] != "oracle" else "#888"
                                                          for cell in cells]},
        hovertemplate="%{y}: %{x:.0%} right on a fresh problem<extra></extra>"))
    figure.update_layout(height=120 + 50 * len(cells), margin={"t": 10, "l": 10, "r": 10, "b": 10},
                         xaxis={"title": "post-test: chance of a right answer on a fresh problem", "range": [0, 1],
                                "tickformat": ".0%"},
                         yaxis={"automargin": True, "autorange": "reversed"})
    return figure


def overview_figures(overview: ClassOverview, shown: list[tuple[int, str]]) -> dict:
    """The class overview's charts, for the page and for each live update alike."""
    return {"heatmap": figure_json(mastery_heatmap(overview, shown)), "activity": figure_json(activity_figure(overview))}
