import os

from django.core.asgi import get_asgi_application

# Fail closed: a server or worker started without a settings module runs production settings, which
# refuse to start without their secrets and services, never the local ones (DEBUG, a public key).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings.production")
# Django must be set up before anything imports models (consumers do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator

from .routing import websocket_urlpatterns

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
