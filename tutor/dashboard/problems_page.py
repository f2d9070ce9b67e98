"""The per-problem report's page (reports.py): PROBLEMS_PER_PAGE problems a page, those fewest learners
got right at their first try first, so the problems most in need of attention open the report and a
class with a hundred problems is a few screens long, not a hundred, on a phone."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import InvalidPage, Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import render

from .reports import BREAK, problem_report
from .views import _classroom, anonymising

PROBLEMS_PER_PAGE = 20


@login_required
@anonymising
def problems(request, classroom_id: int, anon: str | None):
    classroom = _classroom(request, classroom_id)
    pages = Paginator(problem_report(classroom=classroom, anon=anon), PROBLEMS_PER_PAGE)
    try:
        page = pages.page(request.GET.get("page") or 1)
    except InvalidPage as error:
        return HttpResponseBadRequest(f"page must be a page number from 1 to {pages.num_pages}: {error}",
                                      content_type="text/plain; charset=utf-8")
    return render(request, "dashboard/problems.html", {
        "classroom": classroom, "anon": anon, "problems": page.object_list, "page": page,
        "break_minutes": int(BREAK.total_seconds() // 60),
    })
