"""Settings shared by every environment. Everything that differs between machines comes from the
environment (django-environ); the defaults run on a fresh machine with no services at all."""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
import sentry_sdk
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from tutor.queues import DEFAULT_QUEUE, QUEUES, ROUTES

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
# Local state of the embedded defaults (SQLite file, collected static files); ignored by git.
(BASE_DIR / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)

DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Probes of the health endpoints (tutor.ops.health) and metrics scrapers come over plain HTTP from inside the network:
# never redirected to HTTPS when production turns SECURE_SSL_REDIRECT on.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from here: /api/docs/ needs no CDN
    "channels",
    "django_celery_beat",
    "axes",
    "django_prometheus",
    "tutor.accounts",
    "tutor.content",
    "tutor.learning",
    "tutor.api",
    "tutor.dashboard",
    "tutor.privacy",
]

MIDDLEWARE = [
    "tutor.ops.request_id.RequestIdMiddleware",
    # Request counts and latency by view, method and status (/metrics, tutor/ops/metrics.py).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: turns a login that django-axes refused into its lockout answer.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# /metrics answers a scraper that sends this bearer token; unset, it is a 404 (tutor/ops/metrics.py).
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Errors reported to an error tracker (Sentry or a compatible server) when a DSN is set; no personal data.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    sentry_sdk.init(dsn=SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", default="production"),
                    send_default_pii=False)

ROOT_URLCONF = "tutor.urls"
WSGI_APPLICATION = "tutor.wsgi.application"
ASGI_APPLICATION = "tutor.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# SQLite file by default; DATABASE_URL=postgres://... selects PostgreSQL through psycopg 3 with
# its connection pool (Django 5.1+ "pool" option), which replaces per-request connects.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=20),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool, not persistent connections, reuses them
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves concurrent requests: readers run beside the one writer (WAL), a
    # transaction takes the write lock at BEGIN (IMMEDIATE), so two turns that both read then write
    # cannot deadlock on the upgrade, which SQLite fails at once with "database is locked", and a
    # request waits up to `timeout` seconds for the lock instead of failing. One writer at a time.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    })
    # Tests get a file database, as served, not Django's in-memory one (whose single connection a
    # live server shares across its threads, so concurrency would go untested). One per process:
    # test runs side by side in one checkout must not remove each other's database.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"tutor-test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The proxies in front of the application (nginx: 1), each appending the address it received the
# request from to X-Forwarded-For. 0: no proxy, the client is REMOTE_ADDR and the header is ignored
# (a client could write anything there). More than are really there lets a client choose its address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Login protection on every password login, the site's and the admin's (the API takes only random
# 256-bit tokens, nothing to guess). django-axes counts failures in the database (so it holds with
# Redis down) per combination of account and client address: an address guessing at one account is
# stopped without locking that account out for anyone else, and one address failing many times
# locks out nobody but itself. Successful logins are not recorded (AXES_DISABLE_ACCESS_LOG).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "tutor.ops.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "tutor.accounts.lockout.locked_out_response"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"

# Redis, when configured, carries both the Celery broker and the Channels layer.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
# Without a broker, tasks run in-process at the call site (embedded default, tests).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Queues by kind of work (tutor/queues.py): a refit never waits in front of a tutor reply.
CELERY_TASK_QUEUES = QUEUES
CELERY_TASK_ROUTES = ROUTES
CELERY_TASK_DEFAULT_QUEUE = DEFAULT_QUEUE
CELERY_TIMEZONE = TIME_ZONE
# A killed worker's unacknowledged task goes back to the queue after this many seconds (Redis
# transport); it must exceed the longest task, or a running task is handed out a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
# Tasks set their own limits (tutor/learning/tasks.py); this is the ceiling for any other task.
CELERY_TASK_TIME_LIMIT = 3600
# The DatabaseScheduler copies these into django-celery-beat's tables, where staff can edit them.
CELERY_BEAT_SCHEDULE = {
    "refit-tracers-nightly": {"task": "tutor.learning.tasks.tracers_refit_all", "schedule": crontab(hour=2, minute=30)},
    "dashboard-aggregates": {"task": "tutor.dashboard.tasks.class_aggregates_precompute", "schedule": 300.0},
    "tutor-turns-pending": {"task": "tutor.learning.tasks.tutor_turns_pending_requeue", "schedule": 120.0},
}
# A learner's static traits are re-estimated in the background after every this many checked answers.
TRACER_TRAITS_EVERY = env.int("TRACER_TRAITS_EVERY", default=25)
# How much of a learner's recent history the trait estimate reads (its cost grows with it).
TRACER_TRAITS_WINDOW = 200
# Tracer refits: the seconds one fit may run, and its training schedule.
TRACER_REFIT_TIME_LIMIT = env.int("TRACER_REFIT_TIME_LIMIT", default=1800)
TRACER_REFIT_EPOCHS = env.int("TRACER_REFIT_EPOCHS", default=30)
# Refits on this many learner resamplings after each refit give every prerequisite edge an interval
# (psikt.tracing.graph.edge_bootstrap, shown on the course structure page); 0 for none. Each costs a fit.
TRACER_EDGE_BOOTSTRAP = env.int("TRACER_EDGE_BOOTSTRAP", default=0)

# Throttle counters and other shared caches must be shared by all server processes: Redis when configured.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

if REDIS_URL:
    # channels_redis blocks up to 5 s per BZPOPMIN; redis-py's default socket timeout would end an
    # idle socket's receive at that point, so the read timeout must be longer than the blocking pop.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tutor.api.authentication.ApiClientTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's defaults with JSON nesting bounded (tutor.api.parsers.MAX_JSON_DEPTH).
    "DEFAULT_PARSER_CLASSES": [
        "tutor.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["tutor.api.throttling.AttemptRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env("API_THROTTLE_RATE", default="6000/min")},
    # The client address behind the proxies, by the same rule as the login protection (tutor.ops.client_address).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_PAGINATION_CLASS": "tutor.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "tutor.api.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tutor API",
    "DESCRIPTION": "Drive simulated learners through the tutoring loop.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Content Security Policy (django-csp; Django 5.2 has none of its own): scripts, styles, images and
# connections only from this site, no inline script, nothing may frame a page. Style attributes are
# allowed (the mastery bars set their width with one; they cannot run code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LLM_BACKEND = env("LLM_BACKEND", default="rule")
if LLM_BACKEND not in ("rule", "openai", "local"):
    raise ImproperlyConfigured(f"LLM_BACKEND must be rule, openai or local, not {LLM_BACKEND!r}")
LLM_FIRST_TOKEN_TIMEOUT = env.float("LLM_FIRST_TOKEN_TIMEOUT", default=2.0)
LLM_BASE_URL = env("LLM_BASE_URL", default="")
LLM_MODEL = env("LLM_MODEL", default="")
LLM_API_KEY = env("LLM_API_KEY", default="")
LLM_LOCAL_PATH = env("LLM_LOCAL_PATH", default="")
LLM_LOCAL_DEVICE = env("LLM_LOCAL_DEVICE", default="cpu")  # the torch device of the local model: cpu, cuda
# The seconds a REST tutor turn's model reply may take in its Celery task before the rule text is written.
LLM_GENERATION_TIME_LIMIT = env.int("LLM_GENERATION_TIME_LIMIT", default=90)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line names the request it was written for (tutor.ops.request_id; "-" outside a request).
    "filters": {"request_id": {"()": "tutor.ops.request_id.RequestIdFilter"}},
    "formatters": {"with_request_id": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "with_request_id"}},
    "loggers": {
        "tutor": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO"), "propagate": False},
        # Django's own default sends its errors to the console only with DEBUG on (and by mail to
        # ADMINS otherwise): in production a 500's traceback went nowhere. Always to stderr.
        "django": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO"), "propagate": False},
    },
}
