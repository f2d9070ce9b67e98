from django.contrib.auth.forms import UserCreationForm

from .models import User


class SignUpForm(UserCreationForm):
    """Self sign-up creates learners only; teachers and staff are made by staff in the admin."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.role = User.Role.LEARNER
        if commit:
            user.save()
        return user
