"""The quiz content: seven quizzes whose gold is valid and teaches the counter-examples."""

import pytest

from annotator.core.taxonomy import TRAINING_ORDER
from annotator.demo.quizzes import gold, quizzes
from annotator.projects.services import SpanInput, spans_validate


def test_there_is_one_quiz_per_category_in_training_order():
    assert [q.category for q in quizzes()] == list(TRAINING_ORDER)


@pytest.mark.parametrize("quiz", quizzes(), ids=lambda q: q.category)
def test_each_quiz_has_valid_gold_and_explanations(quiz):
    assert len(quiz.questions) >= 6
    assert any(q.gold for q in quiz.questions) and any(not q.gold for q in quiz.questions)
    for question in quiz.questions:
        assert question.explanation
        spans_validate(spans=question.gold, text=question.text, categories=[quiz.category])
        assert {s.category for s in question.gold} <= {quiz.category}


@pytest.mark.parametrize(
    ("category", "look_alike"),
    [
        ("IP_ADDRESS", "1.14.2.3"),
        ("EMAIL", "ssh-ed25519-cert-v01@openssh.com"),
        ("USERNAME", "@param"),
        ("KEY", "your-api-key-here"),
        ("PASSWORD", "${DB_PASSWORD}"),
        ("ID", "7f3c9e2a-51b4-4d8e-a0c6-2b9f8e1d3a57"),
    ],
)
def test_counter_examples_are_taught_without_gold_on_them(category, look_alike):
    quiz = next(q for q in quizzes() if q.category == category)
    holders = [q for q in quiz.questions if look_alike in q.text]
    assert holders
    for question in holders:
        start = question.text.index(look_alike)
        end = start + len(look_alike)
        assert not any(s.start < end and start < s.end for s in question.gold)


def test_quiz_file_paths_are_unique():
    paths = [q.path for quiz in quizzes() for q in quiz.questions]
    assert len(paths) == len(set(paths))


def test_gold_finds_the_requested_occurrence():
    text = "a = 'pw1'\nb = 'pw1'\n"
    assert gold(text, "pw1", "PASSWORD") == SpanInput(5, 8, "PASSWORD", "real")
    assert gold(text, "pw1", "PASSWORD", occurrence=2) == SpanInput(15, 18, "PASSWORD", "real")


def test_gold_refuses_a_missing_value():
    with pytest.raises(ValueError, match="fewer than 3"):
        gold("x x", "x", "NAME", occurrence=3)
