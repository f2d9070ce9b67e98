"""Production settings: every secret from the environment, HTTPS-only cookies, HSTS. They refuse to
start without the secret key, the database and Redis rather than fall back to the embedded
defaults (SQLite, a per-process cache, in-process tasks and channel layer), which would serve but
lose or split data across processes."""

from django.core.exceptions import ImproperlyConfigured

from .base import *
from .base import env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random string of at least 50 characters in production "
        "(python -c 'from django.core.management.utils import get_random_secret_key as k; print(k())')."
    )

_REQUIRED_SERVICES = {
    "DATABASE_URL": "the PostgreSQL database, e.g. postgres://USER:PASSWORD@HOST:5432/DB",
    "REDIS_URL": "Redis for the cache, the Celery broker and the Channels layer, e.g. redis://HOST:6379/0",
}
_missing = [f"{name} ({meaning})" for name, meaning in _REQUIRED_SERVICES.items() if not env(name, default="")]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need " + " and ".join(_missing) + "; they do not fall back to the embedded "
        "SQLite database and in-process cache and tasks. For a single-machine demo use tutor.settings.local."
    )

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
