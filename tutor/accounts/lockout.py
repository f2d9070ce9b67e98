"""What a person locked out by the login protection (django-axes, settings AXES_*) is told, on the
site's login page and the admin's alike: a page in plain words, answered with 429."""

from django.conf import settings
from django.shortcuts import render


def locked_out_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE (a template setting alone could not say how long to wait in minutes)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
