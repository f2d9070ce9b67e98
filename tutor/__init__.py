"""The Django project: storage, web, API, WebSocket and admin around tracing/, curriculum/, llm/."""

from .celery import app as celery_app

__all__ = ["celery_app"]
