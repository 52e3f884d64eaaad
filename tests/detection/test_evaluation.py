"""Evaluation arithmetic on hand-made cases with known answers (pure, no DB)."""

import pytest

from annotator.detection.evaluation import Span, evaluate, normalise_category, spans_from_record


def test_exact_and_overlap_scores_per_category():
    gold = [Span(0, 10, "EMAIL"), Span(20, 28, "NAME"), Span(40, 45, "KEY")]
    predicted = [Span(0, 10, "EMAIL"), Span(22, 30, "NAME"), Span(50, 55, "KEY")]
    results = evaluate([(gold, predicted)])
    exact, overlap = results["exact"], results["overlap"]
    assert exact["EMAIL"].f1 == 1.0
    assert (exact["NAME"].precision, exact["NAME"].recall) == (0.0, 0.0)
    assert (overlap["NAME"].precision, overlap["NAME"].recall) == (1.0, 1.0)
    assert overlap["KEY"].true_positives == 0
    assert (overlap["ALL"].true_positives, overlap["ALL"].predicted, overlap["ALL"].gold) == (
        2,
        3,
        3,
    )
    assert exact["ALL"].f1 == pytest.approx(1 / 3)


def test_one_long_prediction_matches_only_one_gold_span():
    gold = [Span(0, 4, "NAME"), Span(5, 9, "NAME")]
    results = evaluate([(gold, [Span(0, 9, "NAME")])])
    score = results["overlap"]["NAME"]
    assert (score.precision, score.recall) == (1.0, 0.5)
    assert score.f1 == pytest.approx(2 / 3)


def test_same_offsets_different_category_do_not_match():
    results = evaluate([([Span(0, 5, "PASSWORD")], [Span(0, 5, "KEY")])])
    assert results["overlap"]["ALL"].true_positives == 0
    assert results["overlap"]["KEY"].precision == 0.0


def test_records_accept_label_category_and_bigcode_fragments():
    record = {
        "spans": [
            {"start": 1, "end": 3, "label": "EMAIL"},
            {"start": 4, "end": 6, "category": "KEY"},
        ],
        "fragments": [{"category": "NAME_LICENSE", "position": [7, 9], "value": "Jo"}],
    }
    assert spans_from_record(record) == [Span(1, 3, "EMAIL"), Span(4, 6, "KEY"), Span(7, 9, "NAME")]


def test_category_normalisation():
    assert [
        normalise_category(c) for c in ("EMAIL_EXAMPLE", "USERNAME_LICENSE", "SSH_KEY", "ID")
    ] == [
        "EMAIL",
        "USERNAME",
        "KEY",
        "ID",
    ]


def test_empty_input_scores_zero():
    assert evaluate([])["exact"]["ALL"].f1 == 0.0
