import pytest

from tutor.accounts.models import User
from tutor.learning.models import Learner

pytestmark = pytest.mark.django_db


def test_signup_creates_a_logged_in_learner(client):
    response = client.post(
        "/accounts/signup/", {"username": "dana", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"}
    )
    assert response.status_code == 302
    user = User.objects.get(username="dana")
    assert user.role == "learner" and Learner.objects.get(user=user).kind == "human"
    assert "dana" in client.get("/").content.decode()


def test_signup_cannot_choose_a_role(client):
    client.post(
        "/accounts/signup/",
        {"username": "eve", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9", "role": "staff"},
    )
    assert User.objects.get(username="eve").role == "learner"


def test_signup_errors_are_shown_and_nothing_is_created(client):
    response = client.post("/accounts/signup/", {"username": "fay", "password1": "x", "password2": "y"})
    assert response.status_code == 200 and not User.objects.filter(username="fay").exists()


def test_login_and_logout(client):
    User.objects.create_user("gus", password="a-long-passphrase-9")
    assert client.post("/accounts/login/", {"username": "gus", "password": "a-long-passphrase-9"}).status_code == 302
    assert client.post("/accounts/logout/").status_code == 302
    assert "gus" not in client.get("/").content.decode()
