from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "tutor.dashboard"
    label = "dashboard"
