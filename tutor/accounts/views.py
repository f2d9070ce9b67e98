from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .events import user_signed_up
from .forms import SignUpForm


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            user_signed_up.send(sender=type(user), user=user)
        login(request, user)
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


class RateLimitedLoginView(auth_views.LoginView):
    """Django's login view that refuses (429) further tries once a username, or a client address,
    has failed too often within the window: password guessing gets a few tries, not millions.
    The counters live in the shared cache (Redis when configured), so all server processes count together."""

    FAILURES_PER_USERNAME = 10
    FAILURES_PER_ADDRESS = 30
    WINDOW_SECONDS = 15 * 60

    def _counters(self) -> dict[str, int]:
        username = self.request.POST.get("username", "")[:150].strip().lower()
        return {f"login-failures:user:{username}": self.FAILURES_PER_USERNAME,
                f"login-failures:addr:{self.request.META.get('REMOTE_ADDR', '')}": self.FAILURES_PER_ADDRESS}

    def post(self, request, *args, **kwargs):
        counters = self._counters()
        if any(cache.get(key, 0) >= limit for key, limit in counters.items()):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, "Too many failed logins. Wait a few minutes before you try again.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if not request.user.is_authenticated:
            for key in counters:
                cache.add(key, 0, timeout=self.WINDOW_SECONDS)
                cache.incr(key)
        return response
