"""Quizzes: training with feedback, the exam, retakes, unlocking and opting out."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from annotator.core.exceptions import DomainError
from annotator.labeling import services
from annotator.labeling.models import Annotation, Assignment
from annotator.projects.models import Project
from annotator.projects.services import SpanInput
from annotator.quality.models import Skill
from annotator.quality.services import quizzes
from annotator.quality.spans import LabeledSpan
from tests import factories

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
WHO = "Priya Raghunathan"


def question(n: int, has_name: bool = True) -> tuple[str, list[dict]]:
    text = f"# Copyright (c) 2018 {WHO}\n# question {n}\n" if has_name else f"x = {n}\n"
    start = text.find(WHO)
    gold = [{"start": start, "end": start + len(WHO), "category": "NAME", "context": "license"}]
    return text, gold if has_name else []


def make_quiz(category: str = "NAME", n: int = 4, pass_score: int = 80) -> Project:
    project = factories.ProjectFactory(
        kind=Project.Kind.QUIZ, categories=[category], name=f"Quiz: {category}",
        control_rate=1.0, pass_score=pass_score, instructions="Label names.",
    )  # fmt: skip
    for i in range(n):
        text, gold = question(i, has_name=i % 2 == 0)
        factories.TaskFactory(
            project=project, is_control=True, gold_spans=gold, explanation=f"Rule {i}.",
            snippet__source_file__content=text,
        )  # fmt: skip
    return project


def answer(annotator, project, *, right: bool) -> Assignment:
    """Answer the next question, right or wrong, through the real services."""
    assignment = quizzes.quiz_next(annotator=annotator, project=project)
    gold = assignment.task.gold_spans
    if right and gold:
        for g in gold:
            span = SpanInput(g["start"], g["end"], g["category"], g["context"])
            services.assignment_span_add(assignment=assignment, span=span)
        quizzes.quiz_answer_submit(assignment=assignment)
    elif right or gold:
        quizzes.quiz_answer_submit(assignment=assignment, no_pii=True)
    else:  # wrong on a no-PII question: label something
        services.assignment_span_add(assignment=assignment, span=SpanInput(0, 1, "NAME"))
        quizzes.quiz_answer_submit(assignment=assignment)
    assignment.refresh_from_db()
    return assignment


def test_the_first_half_trains_and_the_rest_is_the_exam(bob):
    quiz = make_quiz(n=5)
    progress = quizzes.quiz_progress(annotator=bob, project=quiz)
    assert (progress.training_total, progress.exam_total, progress.phase) == (2, 3, "training")
    for _ in range(2):
        answer(bob, quiz, right=True)
    assert quizzes.quiz_progress(annotator=bob, project=quiz).phase == "exam"


def test_passing_the_exam_grants_the_skill_at_the_score(bob):
    quiz = make_quiz()
    for _ in range(4):
        answer(bob, quiz, right=True)
    progress = quizzes.quiz_progress(annotator=bob, project=quiz)
    assert (progress.phase, progress.score) == ("passed", 100)
    assert Skill.objects.get(annotator=bob, category="NAME").value == 100
    assert quizzes.quiz_next(annotator=bob, project=quiz) is None


def test_a_failed_exam_grants_nothing_and_can_be_retaken_after_the_cool_down(bob):
    quiz = make_quiz()
    for right in (True, True, False, True):  # exam: one wrong of two -> 50
        answer(bob, quiz, right=right)
    progress = quizzes.quiz_progress(annotator=bob, project=quiz)
    assert (progress.phase, progress.score) == ("failed", 50)
    assert not Skill.objects.filter(annotator=bob, category="NAME").exists()
    with pytest.raises(DomainError, match="retake this exam from"):
        quizzes.quiz_retake(annotator=bob, project=quiz)
    Assignment.objects.filter(annotator=bob).update(
        submitted_at=timezone.now() - timedelta(hours=1)
    )
    after = quizzes.quiz_retake(annotator=bob, project=quiz)
    assert (after.phase, after.training_done, after.exam_done) == ("exam", 2, 0)
    for _ in range(2):
        answer(bob, quiz, right=True)
    assert quizzes.quiz_progress(annotator=bob, project=quiz).phase == "passed"
    assert Assignment.objects.filter(annotator=bob).count() == 4  # the same slots, reused


def test_only_a_failed_exam_can_be_retaken(bob):
    quiz = make_quiz()
    with pytest.raises(DomainError, match="Only a failed exam"):
        quizzes.quiz_retake(annotator=bob, project=quiz)


def test_hedging_every_exam_answer_with_ambiguous_does_not_pass():
    gold = [LabeledSpan(0, 4, "NAME")]
    assert quizzes.exam_score([([LabeledSpan(0, 4, "AMBIGUOUS")], gold)]) == 0
    assert quizzes.exam_score([([LabeledSpan(0, 4, "NAME")], gold), ([], gold)]) == 50


def test_feedback_only_after_submission_and_never_for_the_exam(bob):
    quiz = make_quiz()
    first = quizzes.quiz_next(annotator=bob, project=quiz)
    with pytest.raises(DomainError, match="after you submit"):
        quizzes.quiz_feedback(assignment=first)
    quizzes.quiz_answer_submit(assignment=first, no_pii=True)  # wrong: a name was there
    first.refresh_from_db()
    feedback = quizzes.quiz_feedback(assignment=first)
    assert not feedback.correct and feedback.explanation == "Rule 0."
    assert [(e.text, e.verdict) for e in feedback.expected] == [(WHO, "missed")]
    answer(bob, quiz, right=True)
    exam_question = answer(bob, quiz, right=True)
    with pytest.raises(DomainError, match="Exam questions"):
        quizzes.quiz_feedback(assignment=exam_question)


def test_feedback_names_wrong_spans_and_wrong_contexts(bob):
    quiz = make_quiz()
    assignment = quizzes.quiz_next(annotator=bob, project=quiz)
    start = assignment.task.snippet.text.index(WHO)
    services.assignment_span_add(
        assignment=assignment, span=SpanInput(start, start + len(WHO), "NAME", "real")
    )
    services.assignment_span_add(assignment=assignment, span=SpanInput(0, 1, "NAME"))
    quizzes.quiz_answer_submit(assignment=assignment)
    assignment.refresh_from_db()
    feedback = quizzes.quiz_feedback(assignment=assignment)
    assert [e.verdict for e in feedback.expected] == ["context"]
    assert sorted(a.verdict for a in feedback.answered) == ["context", "wrong"]


def test_a_double_submitted_quiz_answer_is_recorded_once(bob):
    quiz = make_quiz()
    assignment = quizzes.quiz_next(annotator=bob, project=quiz)
    first = quizzes.quiz_answer_submit(assignment=assignment, no_pii=True)
    again = quizzes.quiz_answer_submit(assignment=assignment, no_pii=True)
    assert first.pk == again.pk and Annotation.objects.filter(assignment=assignment).count() == 1


def test_quiz_questions_ignore_overlap_so_everyone_answers_every_one(alice, bob):
    quiz = make_quiz()
    a, b = (quizzes.quiz_next(annotator=u, project=quiz) for u in (alice, bob))
    assert a.task_id == b.task_id


def test_categories_unlock_in_training_order(bob):
    make_quiz("NAME")
    make_quiz("EMAIL")
    states = {s.code: s.state for s in quizzes.category_statuses(annotator=bob)}
    assert states["NAME"] == "available" and states["EMAIL"] == "locked"
    assert states["USERNAME"] == "locked"


def test_passing_or_opting_out_unlocks_the_next_category(bob):
    name_quiz = make_quiz("NAME")
    make_quiz("EMAIL")
    for _ in range(4):
        answer(bob, name_quiz, right=True)
    statuses = {s.code: s for s in quizzes.category_statuses(annotator=bob)}
    assert (statuses["NAME"].state, statuses["NAME"].score) == ("passed", 100)
    assert statuses["EMAIL"].state == "available"
    quizzes.skill_opt(annotator=bob, category="EMAIL", opted_out=True)
    states = {s.code: s.state for s in quizzes.category_statuses(annotator=bob)}
    assert states["EMAIL"] == "opted_out" and states["USERNAME"] == "no_quiz"
    quizzes.skill_opt(annotator=bob, category="EMAIL", opted_out=False)
    states = {s.code: s.state for s in quizzes.category_statuses(annotator=bob)}
    assert states["EMAIL"] == "available" and states["USERNAME"] == "locked"


# --- through the pages ---------------------------------------------------------------


def test_a_training_answer_swaps_in_the_feedback_then_the_next_question(client, bob):
    quiz = make_quiz()
    client.force_login(bob)
    html = client.get(reverse("labeling:work", args=[quiz.pk])).content.decode()
    assert "Training" in html and "question 1 of 2" in html
    assert "Rule 0." not in html and "data-feedback" not in html  # no gold before answering
    assignment = Assignment.objects.get(annotator=bob)
    response = client.post(
        reverse("labeling:submit", args=[assignment.pk]), {"no_pii": "on"}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'data-feedback="wrong"' in html and "Rule 0." in html and "missed" in html
    assert 'class="span-mark cat-NAME span-end"' in html  # the expected span, highlighted
    nxt = client.get(reverse("labeling:work", args=[quiz.pk]), headers=HTMX).content.decode()
    assert "question 2 of 2" in nxt and "data-feedback" not in nxt


def test_the_feedback_page_is_refused_before_submission(client, bob):
    quiz = make_quiz()
    client.force_login(bob)
    client.get(reverse("labeling:work", args=[quiz.pk]))
    assignment = Assignment.objects.get(annotator=bob)
    assert client.get(reverse("labeling:quiz-feedback", args=[assignment.pk])).status_code == 404


def test_the_quiz_page_never_carries_gold_offsets(client, bob):
    quiz = make_quiz()
    client.force_login(bob)
    html = client.get(reverse("labeling:work", args=[quiz.pk])).content.decode()
    assert "gold" not in html.lower() and "<mark" not in html
    assert "Rule 0" not in html  # nor the explanation


def test_the_exam_result_page_offers_a_retake(client, bob):
    quiz = make_quiz()
    for right in (True, True, False, False):
        answer(bob, quiz, right=right)
    client.force_login(bob)
    html = client.get(reverse("labeling:work", args=[quiz.pk])).content.decode()
    assert 'data-quiz-result="failed"' in html and "Score 0 / 100" in html
    assert reverse("labeling:quiz-retake", args=[quiz.pk]) in html


def test_a_locked_quiz_says_why(client, bob):
    make_quiz("NAME")
    email = make_quiz("EMAIL")
    client.force_login(bob)
    html = client.get(reverse("labeling:work", args=[email.pk])).content.decode()
    assert "unlocks once you pass" in html
    assert not Assignment.objects.filter(annotator=bob).exists()


def test_home_lists_categories_in_training_order_with_their_state(client, bob):
    make_quiz("NAME")
    client.force_login(bob)
    html = client.get(reverse("labeling:home")).content.decode()
    codes = re.findall(r'data-category-status="(\w+)" data-state="(\w+)"', html)
    assert [c for c, _ in codes] == [
        "NAME", "EMAIL", "USERNAME", "IP_ADDRESS", "PASSWORD", "KEY", "ID",
    ]  # fmt: skip
    assert codes[0] == ("NAME", "available") and codes[1] == ("EMAIL", "locked")
    assert "Start quiz" in html


def test_opting_out_and_back_in_from_home(client, bob):
    client.force_login(bob)
    url = reverse("labeling:category-opt", args=["NAME"])
    assert client.post(url, {"choice": "out"}).status_code == 302
    assert Skill.objects.get(annotator=bob, category="NAME").opted_out
    client.post(url, {"choice": "in"})
    assert not Skill.objects.get(annotator=bob, category="NAME").opted_out
    assert client.post(reverse("labeling:category-opt", args=["NOPE"])).status_code == 404


def test_quiz_tasks_cannot_be_skipped_or_reported(client, bob):
    quiz = make_quiz()
    client.force_login(bob)
    html = client.get(reverse("labeling:work", args=[quiz.pk])).content.decode()
    assert "Skip this task" not in html
    assignment = Assignment.objects.get(annotator=bob)
    client.post(reverse("labeling:skip", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.IN_PROGRESS
