"""Figures an operator scrapes (Prometheus text format at /metrics, docs/serving.md "Metrics").

Requests by view, method and status come from django-prometheus's middleware; the tutor's own are
defined here and observed where the work happens (tutoring, generation, knowledge, refit). Queue
lengths are read from the broker at scrape time. With gunicorn's several processes the figures of
all of them are summed through PROMETHEUS_MULTIPROC_DIR (scripts/serve.sh sets and clears it).

/metrics answers only a scraper that sends `Authorization: Bearer $METRICS_TOKEN`; with no token
configured it is a 404: the figures say how busy the site is and must not be public."""

import logging
import os
import secrets

import redis
from django.conf import settings
from django.http import HttpResponse, HttpResponseNotFound
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

# Seconds, from a cached rule turn (milliseconds) to a refit of a large course (half an hour).
FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
SLOW = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

TURN_SECONDS = Histogram("tutor_turn_seconds", "A tutor turn's server time in tutor_turn_take (inline: decided and "
                         "written; streamed and queued: decided, the reply follows)", ["delivery"], buckets=FAST)
GENERATION_SECONDS = Histogram("tutor_generation_seconds", "Writing one tutor reply, guard included, by the backend "
                               "configured", ["backend"], buckets=SLOW)
GUARD_INTERVENTIONS = Counter("tutor_guard_interventions", "Replies in which the guard put the rule text in place of "
                              "the model's words", ["backend"])
TRACER_UPDATE_SECONDS = Histogram("tutor_tracer_update_seconds", "One answer folded into a learner's tracer belief",
                                  buckets=FAST)
PLANNER_SELECT_SECONDS = Histogram("tutor_planner_select_seconds", "One choice of the next item", ["planner"],
                                   buckets=FAST)
REFIT_SECONDS = Histogram("tutor_refit_seconds", "One tracer refit (the fit itself)",
                          buckets=(10, 30, 60, 120, 300, 600, 1200, 1800, 3600))


class QueueLengths:
    """Tasks waiting in each Celery queue, read from the Redis broker when scraped."""

    def collect(self):
        broker = settings.CELERY_BROKER_URL
        if not broker.startswith("redis"):
            return  # the embedded default runs tasks in-process: nothing waits
        family = GaugeMetricFamily("tutor_queue_length", "Tasks waiting in a Celery queue", labels=["queue"])
        try:
            client = redis.Redis.from_url(broker, socket_connect_timeout=1, socket_timeout=1)
            for queue in settings.CELERY_TASK_QUEUES:
                family.add_metric([queue.name], client.llen(queue.name))
        except redis.RedisError as error:
            logger.warning("queue lengths not scraped: the broker is unreachable (%s)", error)
            return
        yield family


if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    REGISTRY.register(QueueLengths())


def _registry() -> CollectorRegistry:
    """Every process's figures (summed from PROMETHEUS_MULTIPROC_DIR), or this process's, and the queues."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(QueueLengths())
    return registry


def metrics(request):
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponseNotFound("not found")
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not secrets.compare_digest(offered.encode(), token.encode()):
        response = HttpResponse("a scraper's bearer token is required", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = "Bearer"
        return response
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
