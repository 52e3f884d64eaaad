"""Simulated annotators answer as their profile says (pure, seeded: no database)."""

import random

import pytest

from annotator.core import taxonomy
from annotator.core.exceptions import DomainError
from annotator.demo import synthetic
from annotator.projects.services import SpanInput, spans_validate
from annotator.quality.spans import score_spans
from annotator.simulation.profiles import (
    MIXES,
    PROFILES,
    SnippetTruth,
    answer,
    crowd_parse,
    tidy_spans,
)
from annotator.simulation.truth import line_offset, snippet_truth

CATEGORIES = ("NAME", "EMAIL", "USERNAME", "IP_ADDRESS")


def _snippets(files: int = 12) -> list[SnippetTruth]:
    """Every 50-line snippet of some synthetic files, with its truth."""
    snippets = []
    for f in synthetic.generate_files(files, seed=3):
        lines = f.content.count("\n")
        for start_line in range(1, lines + 1, 50):
            start = line_offset(f.content, start_line)
            end = line_offset(f.content, min(start_line + 50, lines + 1))
            text = f.content[start:end]
            snippets.append(
                snippet_truth(f, start_line=start_line, text=text, categories=CATEGORIES)
            )
    return snippets


SNIPPETS = _snippets()


def _answers(profile: str, seed: int = 1):
    rng = random.Random(seed)
    return [(s, answer(PROFILES[profile], s, CATEGORIES, rng)) for s in SNIPPETS]


def _totals(pairs) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for truth, given in pairs:
        score = score_spans(given.spans, truth.spans)
        tp, fp, fn = tp + score.tp, fp + score.fp, fn + score.fn
    return tp, fp, fn


def test_the_snippets_hold_pii_and_decoys():
    assert sum(len(s.spans) for s in SNIPPETS) > 50
    assert sum(len(s.decoys) for s in SNIPPETS) > 20


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_answer_would_pass_the_servers_span_checks(profile):
    for truth, given in _answers(profile):
        spans = [SpanInput(s.start, s.end, s.category, s.context) for s in given.spans]
        try:
            spans_validate(spans=spans, text=truth.text, categories=CATEGORIES)
        except DomainError as exc:
            pytest.fail(f"{profile} gave an invalid answer: {exc}")
        assert given.no_pii == (not given.spans)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_the_same_seed_gives_the_same_answers(profile):
    assert [a for _, a in _answers(profile, seed=5)] == [a for _, a in _answers(profile, seed=5)]
    assert [a for _, a in _answers(profile, seed=5)] != [a for _, a in _answers(profile, seed=6)]


def test_accurate_annotator_finds_almost_everything_and_invents_nothing():
    tp, fp, fn = _totals(_answers("accurate"))
    assert fp == 0
    assert tp / (tp + fn) > 0.93


def test_careless_annotator_misses_spans_but_marks_only_true_ones():
    tp, fp, fn = _totals(_answers("careless"))
    assert fp == 0
    assert 0.4 < tp / (tp + fn) < 0.7


def test_over_labeler_marks_look_alikes():
    pairs = _answers("over_labeler")
    on_decoys = sum(
        any((s.start, s.end) == (d.start, d.end) for d in truth.decoys)
        for truth, given in pairs
        for s in given.spans
    )
    tp, fp, _ = _totals(pairs)
    assert on_decoys > 10
    assert fp >= on_decoys
    assert tp > fp  # it still finds the real PII


def test_boundary_sloppy_annotator_is_off_by_a_few_characters():
    moved = 0
    for truth, given in _answers("boundary_sloppy"):
        for span in given.spans:
            near = [t for t in truth.spans if abs(t.start - span.start) <= 3]
            assert near, f"{span} is not near any true span"
            assert abs(near[0].end - span.end) <= 6
            moved += (span.start, span.end) != (near[0].start, near[0].end)
    assert moved > 0
    tp, fp, fn = _totals(_answers("boundary_sloppy"))
    assert tp < (fp + fn) / 4  # exact matching rarely forgives a moved boundary


def test_spammer_answers_empty_or_random():
    pairs = _answers("spammer")
    empty = sum(given.no_pii for _, given in pairs)
    assert 0.3 < empty / len(pairs) < 0.7
    tp, fp, _ = _totals(pairs)
    assert fp > 5 * max(tp, 1)


def test_fast_clicker_answers_in_seconds_and_mostly_no_pii():
    pairs = _answers("fast_clicker")
    assert all(given.time_spent_ms <= 2000 for _, given in pairs)
    assert all(len(given.spans) <= 1 for _, given in pairs)
    assert sum(given.no_pii for _, given in pairs) / len(pairs) > 0.7
    assert all(given.time_spent_ms >= 10_000 for _, given in _answers("accurate"))


def test_tidy_spans_clips_drops_overlaps_and_contexts():
    from annotator.quality.spans import LabeledSpan

    spans = [
        LabeledSpan(5, 9, "KEY", "license"),
        LabeledSpan(7, 12, "NAME", "license"),
        LabeledSpan(18, 30, "EMAIL", "placeholder"),
    ]
    assert tidy_spans(spans, 20) == [
        LabeledSpan(5, 9, "KEY", taxonomy.Context.REAL),
        LabeledSpan(18, 20, "EMAIL", "placeholder"),
    ]


def test_crowd_parse_reads_mixes_and_counts():
    assert len(crowd_parse("mixed")) == sum(MIXES["mixed"].values())
    assert crowd_parse("accurate=2,spammer=1") == ["accurate", "accurate", "spammer"]
    with pytest.raises(ValueError, match="Bad crowd part"):
        crowd_parse("robot=2")
    with pytest.raises(ValueError, match="empty"):
        crowd_parse("accurate=0")
