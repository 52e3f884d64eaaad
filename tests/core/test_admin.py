"""Requesters have a back office from day one: every model of ours is in the admin."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

OUR_MODELS = [m for m in apps.get_models() if m.__module__.startswith("annotator.")]


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m._meta.label)
def test_every_model_is_registered_in_the_admin(model):
    assert admin.site.is_registered(model)


@pytest.mark.django_db
@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m._meta.label)
def test_every_admin_list_page_opens(admin_client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
