"""The project's Celery app, for the fault tests' workers: a killed worker's message comes back
after seconds instead of the production hour (visibility timeout), and is looked for every second."""

from tutor.celery import app

app.conf.broker_transport_options = {
    "visibility_timeout": 10, "unacked_restore_interval": 1, "unacked_restore_throttle": 1,
}
