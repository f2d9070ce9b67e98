import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    class Role(models.TextChoices):
        LEARNER = "learner", "Learner"
        TEACHER = "teacher", "Teacher"
        STAFF = "staff", "Staff"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.LEARNER)

    class Meta:
        constraints = (
            models.CheckConstraint(condition=models.Q(role__in=["learner", "teacher", "staff"]), name="user_role_valid"),
        )

    @property
    def may_teach(self) -> bool:
        """Whether this account holds a teaching role now (teacher, staff). Being listed as a class's
        teacher is not enough: one moved to another role loses what teachers see, everywhere."""
        return self.is_staff or self.role in (self.Role.TEACHER, self.Role.STAFF)


class ApiClient(models.Model):
    """A program that drives model-students over the REST API. Only a hash of its token is stored."""

    name = models.CharField(max_length=100, unique=True)
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="api_clients")
    token_prefix = models.CharField(max_length=8, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def issue_token(self) -> str:
        """Set a new random token and return it; it is shown once and never stored in clear. Hex (256
        bits), so that it never starts with "-": a command line (`--token TOKEN`) would read such a token
        as an option, which token_urlsafe gave one token in 64."""
        token = secrets.token_hex(32)
        self.token_prefix = token[:8]
        self.token_hash = self.hash_token(token)
        return token
