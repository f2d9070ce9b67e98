"""Everything the class overview shows, built once for the page and for each live update alike: the
charts as Plotly JSON and every table (with the text alternatives of the charts) as HTML fragments.
The page renders each fragment into an element marked `data-live="<its name>"`; dashboard.js swaps
each one for its fresh copy when an update arrives, so no table on the page stays stale."""

from dataclasses import dataclass

from django.template.loader import render_to_string

from tutor.learning.models import Classroom

from . import figures
from .selectors import ClassOverview, LearnerRow, SkillLevel

# A fragment's name (its element's data-live) -> its template.
FRAGMENTS = {
    "needs_help": "dashboard/_needs_help.html",
    "mastery_table": "dashboard/_mastery_table.html",
    "learners": "dashboard/_learners.html",
    "activity_table": "dashboard/_activity_table.html",
}


@dataclass(frozen=True)
class ShownLearner:
    row: LearnerRow
    name: str  # the pseudonym when anonymised
    levels: list[SkillLevel]


def overview_panels(classroom: Classroom, overview: ClassOverview, token: str | None) -> dict:
    """{"heatmap": figure, "activity": figure, "html": {fragment name: HTML}} for one overview;
    `token` anonymises (pseudonyms.py), None shows names."""
    shown = figures.shown_learners(overview, token)
    learners = [ShownLearner(overview.learners[n], name, overview.levels[n]) for n, name in shown]
    needs_help = sorted((learner for learner in learners if learner.row.reasons),
                        key=lambda learner: (-len(learner.row.reasons), learner.name))
    context = {"classroom": classroom, "anon": token, "overview": overview, "learners": learners,
               "needs_help": needs_help}
    return {**figures.overview_figures(overview, shown),
            "html": {element: render_to_string(template, context) for element, template in FRAGMENTS.items()}}
