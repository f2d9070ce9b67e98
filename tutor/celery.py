import os

from celery import Celery

# Fail closed: a server or worker started without a settings module runs production settings, which
# refuse to start without their secrets and services, never the local ones (DEBUG, a public key).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings.production")

app = Celery("tutor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
