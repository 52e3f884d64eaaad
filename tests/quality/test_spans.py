import random

import pytest

from annotator.quality.spans import (
    LabeledSpan,
    candidate_tokens,
    control_f1,
    count_tokens,
    score_spans,
    spans_match,
    token_cover,
    token_labels,
    tokenize,
)

# 0         1         2         3         4
# 01234567890123456789012345678901234567890123
TEXT = 'author = "John Doe"  # mail jdoe@example.com'
NAME = LabeledSpan(10, 18, "NAME")
EMAIL = LabeledSpan(28, 44, "EMAIL")


def test_fixture_offsets_point_at_the_values():
    assert TEXT[NAME.start : NAME.end] == "John Doe"
    assert TEXT[EMAIL.start : EMAIL.end] == "jdoe@example.com"


@pytest.mark.parametrize(("start", "end"), [(5, 5), (6, 5), (-1, 3)])
def test_a_span_must_cover_at_least_one_character(start, end):
    with pytest.raises(ValueError):
        LabeledSpan(start, end, "NAME")


def test_exact_match_needs_same_offsets_and_category():
    assert spans_match([NAME], [LabeledSpan(10, 18, "NAME", "placeholder")]) == [(0, 0)]
    assert spans_match([LabeledSpan(10, 18, "USERNAME")], [NAME]) == []
    assert spans_match([LabeledSpan(9, 19, "NAME")], [NAME]) == []


def test_overlap_match_accepts_shifted_boundaries_but_not_neighbours():
    assert spans_match([LabeledSpan(9, 19, "NAME")], [NAME], "overlap") == [(0, 0)]
    assert spans_match([LabeledSpan(18, 20, "NAME")], [NAME], "overlap") == []


def test_overlap_match_is_one_to_one():
    gold = [LabeledSpan(0, 4, "NAME"), LabeledSpan(5, 9, "NAME")]
    wide = [LabeledSpan(0, 9, "NAME")]
    assert spans_match(wide, gold, "overlap") == [(0, 0)]
    score = score_spans(wide, gold, mode="overlap")
    assert (score.tp, score.fp, score.fn) == (1, 0, 1)


def test_unknown_match_mode_is_refused():
    with pytest.raises(ValueError):
        spans_match([NAME], [NAME], "fuzzy")


def test_perfect_answer_scores_one():
    score = score_spans([EMAIL, NAME], [NAME, EMAIL])
    assert (score.tp, score.fp, score.fn) == (2, 0, 0)
    assert score.precision == score.recall == score.f1 == 1.0


def test_partial_answer_scores_precision_recall_and_f1():
    wrong = LabeledSpan(0, 6, "NAME")
    score = score_spans([NAME, wrong], [NAME, EMAIL])
    assert (score.tp, score.fp, score.fn) == (1, 1, 1)
    assert score.precision == score.recall == score.f1 == 0.5


def test_empty_gold_and_empty_answer_is_a_correct_no_pii():
    score = score_spans([], [])
    assert score.f1 == 1.0
    assert control_f1([], []) == 1.0


def test_no_pii_answer_on_a_snippet_with_pii_scores_zero():
    score = score_spans([], [NAME])
    assert (score.precision, score.recall, score.f1) == (1.0, 0.0, 0.0)


def test_answer_on_a_snippet_without_pii_scores_zero():
    score = score_spans([NAME], [])
    assert (score.precision, score.recall, score.f1) == (0.0, 1.0, 0.0)


def test_scoring_is_restricted_to_the_given_categories():
    answer = [NAME, LabeledSpan(0, 6, "ID")]  # ID is not under evaluation
    gold = [NAME, EMAIL]
    assert score_spans(answer, gold, categories={"NAME"}).f1 == 1.0
    assert score_spans(answer, gold, categories={"NAME", "EMAIL"}).fn == 1


def test_ambiguous_span_in_answer_is_neither_hit_nor_false_alarm():
    hedge = LabeledSpan(0, 6, "AMBIGUOUS")
    score = score_spans([NAME, hedge], [NAME])
    assert (score.tp, score.fp, score.fn, score.ambiguous) == (1, 0, 0, 1)
    assert score.f1 == 1.0


def test_gold_span_covered_by_ambiguous_is_excused_not_missed():
    hedge = LabeledSpan(28, 32, "AMBIGUOUS")  # only "jdoe"
    score = score_spans([NAME, hedge], [NAME, EMAIL])
    assert (score.tp, score.fn, score.excused) == (1, 0, 1)
    assert score.f1 == 1.0


def test_one_ambiguous_span_excuses_only_one_gold_span():
    everything = LabeledSpan(0, len(TEXT), "AMBIGUOUS")
    score = score_spans([everything], [NAME, EMAIL])
    assert (score.excused, score.fn) == (1, 1)
    assert score.f1 == 0.0


def test_answer_that_only_hedges_has_nothing_to_score():
    hedge = LabeledSpan(10, 18, "AMBIGUOUS")
    score = score_spans([hedge], [NAME])
    assert not score.scorable
    assert control_f1([hedge], [NAME]) is None


def test_gold_ambiguous_is_not_scored():
    unsure = LabeledSpan(28, 44, "AMBIGUOUS")
    assert score_spans([NAME, LabeledSpan(28, 32, "USERNAME")], [NAME, unsure]).f1 == 1.0
    assert score_spans([NAME], [NAME, unsure]).f1 == 1.0


def test_context_mismatch_is_counted_but_not_an_error():
    score = score_spans([LabeledSpan(10, 18, "NAME", "license")], [NAME])
    assert (score.f1, score.context_mismatches) == (1.0, 1)


def test_tokens_are_words_numbers_and_single_punctuation():
    text = 'user="@jdoe85" ip=10.0.0.1'
    assert [text[a:b] for a, b in tokenize(text)] == [
        "user", "=", '"', "@", "jdoe85", '"', "ip", "=", "10", ".", "0", ".", "0", ".", "1",
    ]  # fmt: skip
    assert count_tokens(text) == 15


def test_candidate_tokens_widen_to_whole_words():
    # A span starting inside "jdoe" still yields the whole token.
    assert [TEXT[a:b] for a, b in candidate_tokens(TEXT, [LabeledSpan(30, 33, "EMAIL")])] == [
        "jdoe",
        "@",
    ]


def test_candidate_tokens_equal_filtering_all_tokens():
    rng = random.Random(7)
    text = "def f(x):\n    return x.get('pass_word', 42) + y  # @jdoe, 10.1.2.3\n" * 3
    everything = tokenize(text)
    for _ in range(200):
        spans = []
        for _ in range(rng.randint(1, 4)):
            start = rng.randrange(len(text) - 1)
            spans.append(LabeledSpan(start, rng.randint(start + 1, len(text)), "KEY"))
        expected = [t for t in everything if any(t[0] < s.end and s.start < t[1] for s in spans)]
        assert candidate_tokens(text, spans) == expected


def test_token_labels_mark_every_token_a_span_touches():
    tokens = tokenize(TEXT)
    labels = token_labels(tokens, [LabeledSpan(11, 15, "NAME")])  # "ohn " touches "John"
    marked = [TEXT[a:b] for (a, b), label in zip(tokens, labels, strict=True) if label != "O"]
    assert marked == ["John"]
    assert token_cover(tokens, [NAME, EMAIL]).count(1) == 5  # jdoe @ example . com
