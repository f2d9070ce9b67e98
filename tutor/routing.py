"""WebSocket routes."""

from django.urls import path

from tutor.dashboard.consumers import ClassOverviewConsumer
from tutor.learning.consumers import PracticeConsumer

websocket_urlpatterns = [
    path("ws/practice/", PracticeConsumer.as_asgi()),
    path("ws/teach/class/<int:classroom_id>/", ClassOverviewConsumer.as_asgi()),
]
