import os

from django.core.wsgi import get_wsgi_application

# Fail closed: a server or worker started without a settings module runs production settings, which
# refuse to start without their secrets and services, never the local ones (DEBUG, a public key).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings.production")
application = get_wsgi_application()
