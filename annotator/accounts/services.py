"""Writes on accounts: sign-up and consent."""

from django.db import transaction
from django.utils import timezone

from annotator.accounts.models import User


@transaction.atomic
def user_sign_up(*, username: str, email: str, password: str) -> User:
    """A new annotator account; the form has already run the password validators."""
    user = User(username=username, email=email, role=User.Role.ANNOTATOR)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def user_consent(*, user: User) -> User:
    """Record that the user accepted the terms; the first acceptance time is kept."""
    if user.consented_at is None:
        user.consented_at = timezone.now()
        user.save(update_fields=["consented_at"])
    return user
