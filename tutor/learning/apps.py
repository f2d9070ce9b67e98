from django.apps import AppConfig


def _learner_for_new_user(sender, *, user, **kwargs) -> None:
    from .services import learner_for_user

    learner_for_user(user=user)


class LearningConfig(AppConfig):
    name = "tutor.learning"
    label = "learning"

    def ready(self) -> None:
        from tutor.accounts.events import user_signed_up

        user_signed_up.connect(_learner_for_new_user, dispatch_uid="learning.learner_for_new_user")
