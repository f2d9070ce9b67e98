"""Data rights pages: a learner, their teacher or staff can download a learner's data as JSON and
erase it (confirm page, then a CSRF-protected POST). Anyone else gets 404."""

import json

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from tutor.accounts.models import User
from tutor.learning.models import Learner

from .selectors import learner_for_data_request
from .services import learner_erase, learner_export


def _learner_or_404(request, learner_id: int, erase: bool = False) -> Learner:
    learner = learner_for_data_request(user=request.user, learner_id=learner_id, erase=erase)
    if learner is None:
        raise Http404("no such learner")
    return learner


@login_required
@require_GET
def my_data(request):
    """The signed-in user's own learner record, if they have one, with its export and erase links."""
    learner = Learner.objects.filter(user=request.user).first()
    return render(request, "privacy/my_data.html", {"learner": learner})


@login_required
@require_GET
def learner_export_download(request, learner_id: int):
    learner = _learner_or_404(request, learner_id)
    data = learner_export(learner=learner, actor_user=request.user)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="learner-{learner.pk}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def learner_erase_confirm(request, learner_id: int):
    learner = _learner_or_404(request, learner_id, erase=True)
    if request.method == "GET":
        return render(request, "privacy/erase_confirm.html",
                      {"learner": learner, "own": learner.user_id == request.user.pk})
    own = learner.user_id == request.user.pk
    learner_erase(learner=learner, actor_user=request.user)
    if own and not User.objects.filter(pk=request.user.pk).exists():
        logout(request)  # the account went with the data
    return render(request, "privacy/erased.html", {"own": own})
