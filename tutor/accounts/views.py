from django.contrib.auth import login
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tutor.learning.services import learner_for_user

from .forms import SignUpForm


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            learner_for_user(user=user)
        login(request, user)
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})
