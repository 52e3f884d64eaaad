import pytest
from django.db import IntegrityError, transaction

from annotator.core.taxonomy import Category, Context
from annotator.labeling.models import Annotation, Span
from tests import factories


@pytest.mark.django_db
def test_span_end_must_follow_start():
    annotation = Annotation.objects.create(assignment=factories.AssignmentFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        Span.objects.create(annotation=annotation, start=5, end=5, category=Category.NAME)


@pytest.mark.django_db
def test_context_is_refused_on_a_category_that_has_none():
    annotation = Annotation.objects.create(assignment=factories.AssignmentFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        Span.objects.create(
            annotation=annotation, start=0, end=3, category=Category.KEY, context=Context.LICENSE
        )
    Span.objects.create(
        annotation=annotation, start=0, end=3, category=Category.NAME, context=Context.LICENSE
    )


@pytest.mark.django_db
def test_one_annotation_per_assignment():
    assignment = factories.AssignmentFactory()
    Annotation.objects.create(assignment=assignment)
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.create(assignment=assignment)


@pytest.mark.django_db
def test_an_annotator_cannot_hold_the_same_task_twice():
    first = factories.AssignmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.AssignmentFactory(task=first.task, annotator=first.annotator)


@pytest.mark.django_db
def test_control_task_needs_gold_and_regular_task_has_none():
    task = factories.TaskFactory()
    task.is_control = True
    with pytest.raises(IntegrityError), transaction.atomic():
        task.save()
    task.gold_spans = []
    task.save()
