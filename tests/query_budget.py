"""Exact query budgets per entry point, as Zulip asserts them: a test states how many queries a
request makes, so that a change to that number (a query per history row, a lost select_related, a
new lookup) fails a test that lists the SQL it ran, for the next person to compare with the budget's
comment. The budgets are measured under `django_db(transaction=True)`, like a request on a server:
the request's own transaction (and its on-commit work) is what is counted, not a savepoint inside
the test's wrapping transaction.

History lengths: each budget is asserted for a learner with SHORT and with LONG earlier answers
(the same exact number for both). Every TRACER_TRAITS_EVERY-th answer (25 by default) also schedules
a re-estimate of the learner's traits on commit, a task outside the request's budget; the measured
answers are the 3rd and the 31st (in the batch test, the first learner's 3rd to 12th and 31st to
40th), never on that boundary (`off_the_traits_boundary` checks it). The long history crosses it
while it is built: the fixture `in_process_tasks` runs that estimate right there, as a worker would,
so that no task is left on a configured broker.
"""

from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tutor.content.models import Item
from tutor.learning.knowledge import next_item_choose
from tutor.learning.models import Learner
from tutor.learning.tutoring import tutor_turn_take

SHORT, LONG = 2, 30
HISTORIES = pytest.mark.parametrize("history", [SHORT, LONG], ids=["short-history", "long-history"])
SQL_SHOWN = 400  # characters of each query in a failure message (the learner's state is a long JSON)

# The earlier answers, cycled: checked final answers and steps, right, wrong and a known mistake,
# on every pack item; never on add-1's step "sum", which the measured turns answer (so that their
# move, a first hint, and the content it reads are the same whatever the history).
EARLIER_ANSWERS = (  # (item key, step key, answer)
    ("frac-1", "gcd", "1"),
    ("frac-1", "", "3/4"),
    ("lin-expr", "expand", "3*x + 2"),
    ("lin-expr", "", "2*x + 6"),
    ("lin-line", "pick", "B"),
    ("lin-line", "", "y = x + 2"),
    ("add-1", "", "7"),
)


def queries_listed(queries: list[dict]) -> str:
    def shown(sql: str) -> str:
        return sql if len(sql) <= SQL_SHOWN else f"{sql[:SQL_SHOWN]}... ({len(sql)} characters)"

    return "\n".join(f"{n:3}. {shown(query['sql'])}" for n, query in enumerate(queries, 1))


def assert_queries(queries: list[dict], budget: int, what: str) -> None:
    """Exactly `budget` queries, else a failure that lists them all."""
    __tracebackhide__ = True
    if len(queries) != budget:
        pytest.fail(f"{what}: {len(queries)} queries, its budget is {budget}. If the change is meant, update the "
                    f"budget and its comment; the queries were:\n{queries_listed(queries)}")


@contextmanager
def queries_exactly(budget: int, what: str):
    """The queries run in the block on this thread's connection: exactly `budget` of them."""
    __tracebackhide__ = True
    with CaptureQueriesContext(connection) as captured:
        yield captured
    assert_queries(captured.captured_queries, budget, what)


def off_the_traits_boundary(*, history: int, answers: int = 1) -> None:
    """The measured answers (history + 1 ... history + answers) schedule no trait re-estimate."""
    assert all((history + n) % settings.TRACER_TRAITS_EVERY for n in range(1, answers + 1)), (
        "a measured answer would be on the TRACER_TRAITS_EVERY boundary: choose another history length")


def history_give(*, learner: Learner, course, answers: int, source: str, start: datetime) -> datetime:
    """`answers` earlier answers of the learner, each a full tutor turn as the transports take them,
    one minute apart from `start`, each in a visit of its own (an item served, then answered, so that
    every one is evidence and none is a solved step's replay), and a last item served after them;
    returns the time of the last answer."""
    items = {item.key: item for item in Item.objects.filter(course=course, template__isnull=True)}
    moment = start
    for n in range(answers):
        key, step, answer = EARLIER_ANSWERS[n % len(EARLIER_ANSWERS)]
        moment = start + timedelta(minutes=n)
        next_item_choose(learner=learner, course=course, now=moment)
        tutor_turn_take(learner=learner, item=items[key], source=source, step_key=step, answer=answer,
                        answered_at=moment)
    next_item_choose(learner=learner, course=course, now=moment)
    return moment
