import factory
from django.utils import timezone

from tutor.accounts.models import ApiClient, User
from tutor.learning.models import Classroom, Learner


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    role = User.Role.LEARNER


class ApiClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiClient

    name = factory.Sequence(lambda n: f"client{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        client = model_class(*args, **kwargs)
        client.issue_token()
        client.save()
        return client


class HumanLearnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Learner

    kind = Learner.Kind.HUMAN
    user = factory.SubFactory(UserFactory)


class ModelLearnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Learner

    kind = Learner.Kind.MODEL
    api_client = factory.SubFactory(ApiClientFactory)
    label = factory.Sequence(lambda n: f"sim{n}")


class ClassroomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Classroom

    name = factory.Sequence(lambda n: f"Class {n}")


def now():
    return timezone.now()
