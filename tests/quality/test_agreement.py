import json
import math

import krippendorff
import numpy as np
import pytest

from annotator.quality.aggregation import Answer
from annotator.quality.agreement import AgreementState, nominal_alpha
from annotator.quality.spans import LabeledSpan, token_labels, tokenize
from tests.quality.crowd import simulate

# 0         1         2         3         4
# 01234567890123456789012345678901234567890123
TEXT = 'author = "John Doe"  # mail jdoe@example.com'
NAME = LabeledSpan(10, 18, "NAME")
EMAIL = LabeledSpan(28, 44, "EMAIL")

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", nominal example:
# 4 observers, 12 units, missing values as None; alpha = 0.743.
TEXTBOOK = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def answer(annotator_id, *spans, task_id=1, text=TEXT):
    return Answer(task_id, annotator_id, text, tuple(spans))


def test_perfect_agreement_gives_alpha_one_and_f1_one():
    state = AgreementState()
    state.add_task([answer(1, NAME, EMAIL), answer(2, NAME, EMAIL), answer(3, NAME, EMAIL)])
    assert state.alpha() == pytest.approx(1.0)
    assert state.alpha("NAME") == pytest.approx(1.0)
    assert state.span_f1("NAME") == state.span_f1("EMAIL") == 1.0


def test_textbook_nominal_alpha_with_missing_values():
    state = AgreementState()
    for unit in zip(*TEXTBOOK, strict=True):
        state.add_unit(str(v) for v in unit if v is not None)
    assert state.alpha() == pytest.approx(0.743, abs=5e-4)
    package = [[np.nan if v is None else v for v in row] for row in TEXTBOOK]
    expected = krippendorff.alpha(reliability_data=package, level_of_measurement="nominal")
    assert state.alpha() == pytest.approx(expected)


def test_textbook_binary_alpha_through_token_labels():
    """Krippendorff's two-observer binary example (alpha = 0.095), one token per unit."""
    coder_a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    coder_b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    text = " ".join("abcdefghij")

    def spans(marks):
        return [LabeledSpan(2 * i, 2 * i + 1, "NAME") for i, m in enumerate(marks) if m]

    state = AgreementState()
    state.add_task([answer(1, *spans(coder_a), text=text), answer(2, *spans(coder_b), text=text)])
    assert state.alpha("NAME") == pytest.approx(0.095, abs=5e-4)


def test_pairwise_span_f1_counts_exact_and_overlapping_matches():
    wide = LabeledSpan(9, 19, "NAME")  # with the quotes
    state = AgreementState()
    state.add_task([answer(1, NAME, EMAIL), answer(2, NAME), answer(3, wide)])
    # NAME: pairs 1-2 match exactly, 1-3 and 2-3 only overlap; 6 spans in the 3 pairs.
    assert state.span_f1("NAME") == pytest.approx(2 * 1 / 6)
    assert state.span_f1("NAME", "overlap") == pytest.approx(1.0)
    # EMAIL: only annotator 1 marked it, in 2 pairs: 2 spans, no match.
    assert state.span_f1("EMAIL") == 0.0
    assert state.span_f1("KEY") is None
    assert state.pairs == 3


def test_a_task_with_one_answer_adds_nothing():
    state = AgreementState()
    state.add_task([answer(1, NAME)])
    assert state.tasks == 0
    assert state.alpha() is None


def test_alpha_is_undefined_while_only_one_label_was_ever_used():
    state = AgreementState()
    state.add_task([answer(1), answer(2)])
    assert state.alpha() is None
    assert nominal_alpha({}) is None


def test_add_task_refuses_answers_of_several_tasks():
    with pytest.raises(ValueError):
        AgreementState().add_task([answer(1, task_id=1), answer(2, task_id=2)])


def test_incremental_state_survives_json_and_matches_the_package():
    _, answers = simulate(tasks=40, overlap=3, seed=5)
    by_task = {}
    for a in answers:
        by_task.setdefault(a.task_id, []).append(a)

    state = AgreementState()
    for task_answers in by_task.values():
        # The service stores the state between tasks: round-trip it every time.
        state = AgreementState.from_dict(json.loads(json.dumps(state.to_dict())))
        state.add_task(task_answers)

    # Reference: every token of every snippet is a unit; one row per annotator.
    annotators = sorted({a.annotator_id for a in answers})
    columns = []
    for task_answers in by_task.values():
        tokens = tokenize(task_answers[0].text)
        labels = {a.annotator_id: token_labels(tokens, a.spans) for a in task_answers}
        for t in range(len(tokens)):
            columns.append([labels[i][t] if i in labels else None for i in annotators])
    codes = {label: n for n, label in enumerate(sorted({v for c in columns for v in c if v}))}

    def table(fold=None):
        def code(v):
            if v is None:
                return np.nan
            return codes[v] if fold is None else float(v == fold)

        return np.array([[code(v) for v in column] for column in columns]).T

    for category in (None, "NAME", "PASSWORD"):
        expected = krippendorff.alpha(table(category), level_of_measurement="nominal")
        assert not math.isnan(expected)
        assert state.alpha(category) == pytest.approx(expected)
    assert state.tasks == 40
