"""Sign-up and consent input; Django's password validators run on sign-up."""

from django import forms
from django.contrib.auth.forms import UserCreationForm

from annotator.accounts.models import User


class SignUpForm(UserCreationForm):
    class Meta:
        model = User
        fields = ["username", "email"]


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        required=True,
        label="I have read what my labels are used for and the pay terms, and I agree.",
        error_messages={"required": "Tick the box to agree, or leave the site."},
    )
