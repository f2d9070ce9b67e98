"""The login protection (django-axes, settings AXES_*): what a person locked out is told, on the
site's login page and the admin's alike (a page in plain words, answered with 429), and the erasure
of what it recorded about an account."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.shortcuts import render


def locked_out_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE (a template setting alone could not say how long to wait in minutes)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


def login_records_erase(*, username: str) -> int:
    """Delete the failed-login records of an account (its name, client addresses and browsers) when the
    account itself is erased; returns how many went."""
    return sum(model.objects.filter(username=username).delete()[0] for model in (AccessAttempt, AccessFailureLog, AccessLog))
