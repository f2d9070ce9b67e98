from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "tutor.learning"
    label = "learning"
