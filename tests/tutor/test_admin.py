import io

import pytest
from django.contrib import admin
from django.core.management import call_command

from tutor.accounts.models import User

pytestmark = pytest.mark.django_db


def test_every_model_has_a_working_admin_page(client, valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())
    client.force_login(User.objects.create_superuser("root", password="x", role="staff"))
    ours = [m for m in admin.site._registry if m._meta.app_label in ("accounts", "content", "learning")]
    assert {m.__name__ for m in ours} >= {
        "User", "ApiClient", "Course", "KnowledgeComponent", "Item", "ItemTemplate", "Step", "Hint",
        "Misconception", "Learner", "Classroom", "Attempt", "LearnerState", "TutorTurn", "TracerModel",
    }
    for model in ours:
        opts = model._meta
        assert client.get(f"/admin/{opts.app_label}/{opts.model_name}/").status_code == 200, opts.model_name
        first = model.objects.first()
        if first is not None:
            assert client.get(f"/admin/{opts.app_label}/{opts.model_name}/{first.pk}/change/").status_code == 200


def test_learners_cannot_open_the_admin(client):
    client.force_login(User.objects.create_user("lea", password="x"))
    assert client.get("/admin/content/item/").status_code == 302


def test_a_hint_edited_in_the_admin_reaches_the_next_turn(client, valid_pack_path):
    """The course's content is held in memory per process (learning's course engine); an admin edit
    touches the course, so the engine reads the content again (its learner-state version stays)."""
    from tutor.content.models import Course, Hint
    from tutor.learning.engine import course_engine

    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())
    course = Course.objects.get(slug="tiny")
    before = course_engine(course)
    hint = Hint.objects.filter(step__item__course=course).select_related("step__item").first()
    client.force_login(User.objects.create_superuser("root", password="x", role="staff"))
    response = client.post(f"/admin/content/hint/{hint.pk}/change/",
                           {"step": hint.step_id, "level": hint.level, "text": "Start from the larger number."})
    assert response.status_code == 302, response.content.decode()[:2000]
    after = course_engine(Course.objects.get(pk=course.pk))
    assert after is not before and after.version == before.version
    assert after.content.of(hint.step.item).hints[(hint.step.key, hint.level)] == "Start from the larger number."
