"""Development and test settings: DEBUG on, a fixed local-only secret key unless one is given."""

from .base import *
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Only ever used on a developer's machine: production.py refuses to start without a real key.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret")
# Serve static files straight from the source folders (no collectstatic), also when tests turn DEBUG off.
WHITENOISE_USE_FINDERS = True
