"""WebSocket routes; each app that streams adds its consumers here."""

websocket_urlpatterns: list = []
