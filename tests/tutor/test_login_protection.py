"""Login protection (django-axes, settings AXES_*): every password login, the site's and the admin's,
is limited per combination of account and client address (issue 18, defects 3 and 4), the client
address being read behind TRUSTED_PROXY_COUNT proxies, and the failures are counted in the database,
so login works with Redis down."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.tutor.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "right-password-123"
LIMIT = 3  # the tests' failure limit (10 when served); the behaviour does not depend on it


@pytest.fixture(autouse=True)
def small_failure_limit_and_fast_hashes(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only: many logins


@pytest.fixture
def behind_one_proxy(settings):
    """As served behind nginx: REMOTE_ADDR is the proxy, which appends the client to X-Forwarded-For."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def account(**fields):
    user = UserFactory(**fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(username: str, password: str, path: str = "/accounts/login/", client: Client | None = None, **meta):
    client = client or Client()
    meta.setdefault("REMOTE_ADDR", "10.0.0.1")
    return client.post(path, {"username": username, "password": password}, **meta)


def fail_until_locked(username: str, path: str = "/accounts/login/", **meta):
    for _ in range(LIMIT - 1):
        assert log_in(username, "wrong", path, **meta).status_code == 200  # the form again, with its error
    assert log_in(username, "wrong", path, **meta).status_code == 429


def assert_locked_out(response):
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page and "Wait 15 minutes" in page


def test_the_admin_login_is_locked_after_too_many_failures():
    """Defect 3: /admin/login/ took unlimited guesses at staff passwords."""
    staff = account(is_staff=True, is_superuser=True)
    fail_until_locked(staff.username, "/admin/login/")
    client = Client()
    refused = log_in(staff.username, PASSWORD, "/admin/login/", client=client)
    assert_locked_out(refused)
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_a_locked_account_and_address_lock_out_neither_the_account_elsewhere_nor_other_accounts():
    """Defect 4, the other half: a lockout belongs to one account at one address."""
    target, neighbour = account(), account()
    fail_until_locked(target.username, REMOTE_ADDR="10.0.0.1")
    client = Client()
    assert_locked_out(log_in(target.username, PASSWORD, client=client, REMOTE_ADDR="10.0.0.1"))
    assert "_auth_user_id" not in client.session
    assert log_in(target.username, PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 302
    assert log_in(neighbour.username, PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 302


def test_one_address_failing_many_times_locks_out_nobody_else_behind_the_same_proxy(behind_one_proxy):
    """Defect 4: the old limiter counted REMOTE_ADDR, which behind the proxy is the proxy: ~30 failed
    logins from anyone locked everyone out."""
    for n in range(30):
        log_in(f"guess{n}", "wrong", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.66")
    user = account()
    assert log_in(user.username, PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 302


def test_behind_one_proxy_the_forwarded_client_is_counted_and_a_spoofed_entry_does_not_escape(behind_one_proxy):
    user = account()
    fail_until_locked(user.username, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    # The client writes an address of its own into the header; the proxy appends the real one after it.
    spoofed = log_in(user.username, PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5")
    assert_locked_out(spoofed)
    assert log_in(user.username, PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 302


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored():
    """TRUSTED_PROXY_COUNT 0 (the default): a client cannot pick its address by writing the header."""
    user = account()
    for n in range(LIMIT):
        log_in(user.username, "wrong", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}
    assert_locked_out(log_in(user.username, PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.99"))


def test_a_successful_login_clears_the_failures_and_successes_count_nothing():
    user = account()
    for _ in range(LIMIT - 1):
        log_in(user.username, "wrong")
    assert log_in(user.username, PASSWORD).status_code == 302
    for _ in range(LIMIT - 1):
        assert log_in(user.username, "wrong").status_code == 200  # counted from zero again
    for _ in range(LIMIT + 2):
        assert log_in(user.username, PASSWORD).status_code == 302


def test_login_and_its_protection_work_with_redis_down(settings):
    """Failures are counted in the database, not the cache: a dead Redis breaks neither."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    user = account()
    fail_until_locked(user.username)
    assert_locked_out(log_in(user.username, PASSWORD))
    assert log_in(user.username, PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 302

