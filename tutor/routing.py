"""WebSocket routes."""

from django.urls import path

from tutor.learning.consumers import PracticeConsumer

websocket_urlpatterns = [
    path("ws/practice/", PracticeConsumer.as_asgi()),
]
