"""/healthz and /readyz for load balancers and orchestrators: plain Django views, so no API
authentication or throttle applies, and no detail of a failure (addresses, messages) is shown;
the failure itself is logged.

/healthz says the process answers and touches nothing else (a restart would not help a dead database).
/readyz says whether this process can serve: the database, the cache and the Celery broker answer."""

import logging

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_S = 2


OK = "ok"
UNAVAILABLE = "unavailable"


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return OK


def _cache() -> str:
    cache.set("readyz", OK, timeout=10)
    if cache.get("readyz") != OK:
        raise RuntimeError("the cache did not return what was just stored")
    return OK


def _broker() -> str:
    from tutor.celery import app

    if app.conf.task_always_eager:
        return "in-process"  # no broker configured (the embedded default): tasks run at the call site
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_S)
    return OK


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    checks = {}
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        except Exception:  # any failure means not ready; what failed is logged, not shown
            logger.exception("readiness check %s failed", name)
            checks[name] = UNAVAILABLE
    ready = UNAVAILABLE not in checks.values()
    return JsonResponse({"status": OK if ready else UNAVAILABLE, "checks": checks}, status=200 if ready else 503)
