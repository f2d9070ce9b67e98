from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "tutor.privacy"
    label = "privacy"
