from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "tutor.content"
    label = "content"
