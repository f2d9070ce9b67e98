from django.apps import AppConfig


def _answer_recorded(sender, *, learner_id: int, **kwargs) -> None:
    from .services import classes_notify

    classes_notify(learner_id=learner_id)


def _learner_erased(sender, *, classroom_ids: list[int], **kwargs) -> None:
    from .services import class_aggregates_invalidate

    class_aggregates_invalidate(classroom_ids=classroom_ids)


class DashboardConfig(AppConfig):
    name = "tutor.dashboard"
    label = "dashboard"

    def ready(self) -> None:
        # The learning record publishes; the dashboard listens (learning never imports the dashboard).
        from tutor.learning import events

        events.answer_recorded.connect(_answer_recorded, dispatch_uid="dashboard.answer_recorded")
        events.learner_erased.connect(_learner_erased, dispatch_uid="dashboard.learner_erased")
