import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")

app = Celery("annotator")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Background work lives in `jobs.py` modules, so "task" keeps its crowd meaning.
app.autodiscover_tasks(related_name="jobs")
