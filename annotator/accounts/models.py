from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    class Role(models.TextChoices):
        ANNOTATOR = "annotator", "Annotator"
        REQUESTER = "requester", "Requester"
        ADMIN = "admin", "Admin"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANNOTATOR)
    # When the annotator accepted the terms: what labels are for, how they are used, pay.
    consented_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_requester(self) -> bool:
        return self.role in {self.Role.REQUESTER, self.Role.ADMIN} or self.is_superuser

    @property
    def is_annotator(self) -> bool:
        return self.role == self.Role.ANNOTATOR
