"""Writes the API needs that have no home service yet: API tokens and enrolling annotators.

Enrolment belongs with the accounts app; it lives here until accounts grows a services
module (the web sign-up would then share it).
"""

import logging

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from annotator.accounts.models import User
from annotator.core.exceptions import DomainError
from annotator.core.models import AuditEntry
from annotator.core.services import audit_record

logger = logging.getLogger(__name__)


def token_issue(*, user: User) -> Token:
    """The user's API token, created on first use. One token per user, as authtoken keeps it."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> bool:
    """Delete the user's token; True if there was one. Later requests with it get 401."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted > 0


def annotator_enroll(*, username: str, password: str, enrolled_by: User) -> User:
    """Create a crowd member (role annotator) with a password that passes the validators.

    Raises DomainError for a taken username; django.core.exceptions.ValidationError for a
    weak password (callers show those messages on the password field).
    """
    user = User(username=username, role=User.Role.ANNOTATOR)
    validate_password(password, user=user)
    user.set_password(password)
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(f"The username {username!r} is taken.")
    try:
        with transaction.atomic():
            user.save()
            audit_record(actor=enrolled_by, action=AuditEntry.Action.ENROLL, target_user=user)
    except IntegrityError:  # a concurrent enrolment took the name
        raise DomainError(f"The username {username!r} is taken.") from None
    # Consent to the terms is the annotator's own act, so consented_at stays empty.
    logger.info("Annotator %s (#%s) enrolled by %s", user.username, user.pk, enrolled_by.pk)
    return user
