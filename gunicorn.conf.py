"""gunicorn (WSGI) for every HTTP request but /ws/ (daphne serves those): see docs/serving.md.
Every setting can be overridden from the environment."""

import multiprocessing
import os

# Each worker is one CPU-bound Python process (tracer and planner math under the GIL); torch's own
# thread pool per worker would only oversubscribe the cores. Set before the app imports torch.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two workers per core keep a core busy while its other worker waits on PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
# gthread keeps client connections alive (sync workers close each one); one thread per worker is
# enough for CPU-bound requests, more only queue inside the GIL.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_connections = 1000
keepalive = 30
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Imports Django and torch once in the master; workers fork with them already loaded.
preload_app = True
wsgi_app = "tutor.wsgi:application"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
