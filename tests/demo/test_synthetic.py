"""The synthetic generator: deterministic, exact truth, look-alikes kept out of it."""

import ipaddress
import re

import pytest

from annotator.catalog.importing import cut_snippets
from annotator.demo import synthetic
from annotator.demo.synthetic import DECOY_KINDS, TruthSpan, generate_files

CATEGORIES = {"NAME", "EMAIL", "USERNAME", "IP_ADDRESS", "PASSWORD", "KEY", "ID"}


@pytest.fixture(scope="module")
def files():
    return generate_files(30, seed=11)


def test_the_same_seed_gives_the_same_files():
    assert generate_files(8, seed=3) == generate_files(8, seed=3)


def test_another_seed_gives_other_files():
    assert [f.content for f in generate_files(4, seed=3)] != [
        f.content for f in generate_files(4, seed=4)
    ]


def test_truth_spans_are_sorted_and_never_overlap(files):
    for f in files:
        assert list(f.spans) == sorted(f.spans, key=lambda s: s.start)
        for left, right in zip(f.spans, f.spans[1:], strict=False):
            assert left.end <= right.start, f.path


def test_truth_values_look_like_their_category(files):
    checks = {
        "EMAIL": lambda v: re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", v),
        "IP_ADDRESS": lambda v: not ipaddress.ip_address(v).is_loopback,
        "KEY": lambda v: (
            v.startswith(("AKIA", "ghp_", "sk_live_", "-----BEGIN"))
            or re.fullmatch(r"[A-Za-z0-9/+]{40}", v)
        ),
        "ID": lambda v: v.startswith("cus_") or re.search(r"\d", v),
        "USERNAME": lambda v: re.fullmatch(r"@?[\w.]+", v) and v not in {"root", "admin"},
        "NAME": lambda v: re.fullmatch(r"[A-Z][\w'-]+ [A-Z][\w' -]+", v),
        "PASSWORD": lambda v: v and not v.startswith("$"),
    }
    for f in files:
        for span in f.spans:
            value = f.value(span)
            assert value == value.strip() and value, (f.path, span)
            assert checks[span.category](value), (f.path, span.category, value)


def test_private_key_spans_cover_the_whole_block(files):
    blocks = [f.value(s) for f in files for s in f.spans if f.value(s).startswith("-----BEGIN")]
    assert blocks
    assert all(b.endswith("-----END RSA PRIVATE KEY-----") for b in blocks)


def test_every_category_and_context_appears(files):
    seen = {(s.category, s.context) for f in files for s in f.spans}
    assert {c for c, _ in seen} == CATEGORIES
    for category in ("NAME", "EMAIL", "USERNAME"):
        assert {c for k, c in seen if k == category} == {"license", "placeholder", "real"}


def test_files_span_several_languages_and_snippets(files):
    assert len({f.language for f in files[:10]}) == 10
    assert all(f.content.count("\n") >= 100 for f in files)
    assert len({f.path for f in files}) == len(files)


def test_each_kind_of_look_alike_appears_and_is_not_labeled(files):
    assert {d.kind for f in files for d in f.decoys} == set(DECOY_KINDS)
    for f in files:
        for decoy in f.decoys:
            assert not any(s.start < decoy.end and decoy.start < s.end for s in f.spans)
    values = {f.value(d) for f in files for d in f.decoys}
    assert {"127.0.0.1", "@param", "your-api-key-here"} <= values
    truth = {f.value(s) for f in files for s in f.spans}
    assert not truth & {"127.0.0.1", "@param", "your-api-key-here", "postgres"}


def test_version_look_alikes_are_four_numbers_like_an_address(files):
    versions = [f.value(d) for f in files for d in f.decoys if d.kind == "version"]
    assert versions and all(re.fullmatch(r"\d+\.\d+\.\d+\.\d+", v) for v in versions)


def test_snippet_gold_points_at_the_same_values_as_the_file_truth(files):
    for f in files:
        inside = cut = 0
        for piece in cut_snippets(f.content, 50):
            window = {"start": piece.start_offset, "end": piece.start_offset + len(piece.text)}
            gold = synthetic.spans_in_window(f.spans, **window)
            for span in gold:
                file_span = f.spans[[s.start for s in f.spans].index(span.start + window["start"])]
                assert piece.text[span.start : span.end] == f.value(file_span)
            inside += len(gold)
            cut += len(synthetic.spans_cut_by_window(f.spans, **window))
        # Each span is wholly inside one snippet or crosses an edge (then seen twice).
        assert inside + cut // 2 == len(f.spans)


def test_window_helpers_shift_filter_and_detect_cuts():
    spans = [TruthSpan(2, 5, "NAME"), TruthSpan(8, 12, "KEY"), TruthSpan(20, 24, "ID")]
    assert synthetic.spans_in_window(spans, start=0, end=10) == [TruthSpan(2, 5, "NAME")]
    assert synthetic.spans_in_window(spans, start=6, end=30, categories={"ID"}) == [
        TruthSpan(14, 18, "ID")
    ]
    assert synthetic.spans_cut_by_window(spans, start=0, end=10) == [TruthSpan(8, 12, "KEY")]
    assert synthetic.spans_cut_by_window(spans, start=0, end=30) == []
