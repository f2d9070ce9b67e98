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
