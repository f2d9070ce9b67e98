"""DELETE /api/v1/learners/{id}/: the owning client erases a model-student from every store, and the
erasure is audited; other learners of the same client are untouched."""

import pytest

from tutor.content.models import Item
from tutor.learning.models import Attempt, Enrollment, Learner, LearnerState, TutorTurn
from tutor.privacy.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_the_owner_erases_a_learner_and_everything_derived_from_it(owner, cohort, course):
    erased, kept = cohort.learners.order_by("pk")[:2]
    item = Item.objects.get(course=course, key="add-1").pk
    for learner in (erased, kept):
        assert owner.post(f"/api/v1/learners/{learner.pk}/attempts/", {"item": item, "answer": "1"},
                          format="json").status_code == 201

    response = owner.delete(f"/api/v1/learners/{erased.pk}/")

    assert (response.status_code, response.content) == (204, b"")
    for model in (Attempt, TutorTurn, LearnerState, Enrollment):
        assert not model.objects.filter(learner_id=erased.pk).exists(), model.__name__
        assert model.objects.filter(learner_id=kept.pk).exists(), model.__name__
    assert not Learner.objects.filter(pk=erased.pk).exists()
    record = AuditRecord.objects.get(learner_id=erased.pk)
    assert (record.action, record.actor_client.name, record.detail["attempts"]) == ("erase", "owner", 1)
    assert owner.get(f"/api/v1/learners/{erased.pk}/").status_code == 404
    assert owner.delete(f"/api/v1/learners/{erased.pk}/").json()["error"] == "not_found"
