"""Span arithmetic: matching, control scoring and code tokens (pure, no ORM).

Offsets are 0-based character offsets into a snippet's text, end exclusive, as everywhere
in the app. An annotator's spans never overlap (``projects.services.spans_validate``
rejects that), and the matching below relies on it to be one-to-one.

Scoring decisions (a control answer's score, see ``score_spans``):

* Empty gold and an empty answer agree ("no PII" was right): precision, recall and F1
  are 1.0. In general a ratio whose denominator is 0 is 1.0, since nothing was wrong.
* AMBIGUOUS is reviewed, never scored as an error (PII-GUIDELINES.md). So an AMBIGUOUS
  span in the answer is neither a true nor a false positive, and a gold span that the
  answer did not match but covered with an AMBIGUOUS span is *excused*: not a miss.
  One AMBIGUOUS span excuses at most one gold span, so an answer cannot excuse a whole
  snippet with one wide AMBIGUOUS span.
* An answer that excused gold spans and got nothing else right or wrong has nothing to
  score (``SpanScore.scorable`` is False, ``control_f1`` returns None): it goes to review
  rather than earning a perfect score by hedging.
* A gold AMBIGUOUS span is not scored either: the answer's unmatched spans overlapping it
  are not false positives, and leaving it unlabeled is not a miss.
* Context (license / placeholder / real) is not part of a match; matched pairs whose
  contexts differ are counted in ``SpanScore.context_mismatches``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from annotator.core.taxonomy import Category

AMBIGUOUS = str(Category.AMBIGUOUS)
OUTSIDE = "O"  # the label of a token that no span covers
REAL = "real"

MatchMode = Literal["exact", "overlap"]

# A code token: a run of word characters (identifier or number) or one other visible
# character. Single punctuation characters rather than runs, so that `"@jdoe` splits
# into `"`, `@`, `jdoe` and a span boundary rarely falls inside a token.
TOKEN_RE = re.compile(r"\w+|[^\w\s]")
_WORD_CHAR = re.compile(r"\w")
_TWO_WORD_CHARS = re.compile(r"\w\w")


@dataclass(frozen=True, slots=True)
class LabeledSpan:
    start: int
    end: int  # exclusive
    category: str
    context: str = REAL

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"Bad span offsets {self.start}-{self.end}.")

    def overlaps(self, other: LabeledSpan) -> bool:
        return self.start < other.end and other.start < self.end

    def same_place(self, other: LabeledSpan) -> bool:
        return self.start == other.start and self.end == other.end


@dataclass(frozen=True, slots=True)
class SpanScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    excused: int = 0  # gold spans covered by the answer's AMBIGUOUS spans
    ambiguous: int = 0  # AMBIGUOUS spans in the answer
    context_mismatches: int = 0  # matched pairs whose contexts differ

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        wrong = self.fp + self.fn
        return 2 * self.tp / (2 * self.tp + wrong) if self.tp or wrong else 1.0

    @property
    def scorable(self) -> bool:
        return bool(self.tp or self.fp or self.fn) or not self.excused


def spans_match(
    predicted: Sequence[LabeledSpan], gold: Sequence[LabeledSpan], mode: MatchMode = "exact"
) -> list[tuple[int, int]]:
    """Pair predicted with gold spans one-to-one: (predicted index, gold index) pairs.

    A pair needs the same category and, in "exact" mode, the same offsets; in "overlap"
    mode any shared character. A sweep in text order that takes the earliest unmatched
    gold span is a maximum matching when neither side overlaps itself.
    """
    if mode not in ("exact", "overlap"):
        raise ValueError(f"Unknown match mode {mode!r}.")
    p_order = sorted(range(len(predicted)), key=lambda i: (predicted[i].start, predicted[i].end))
    g_order = sorted(range(len(gold)), key=lambda i: (gold[i].start, gold[i].end))
    taken: set[int] = set()
    pairs = []
    for pi in p_order:
        p = predicted[pi]
        for gi in g_order:
            g = gold[gi]
            if g.start >= p.end:
                break
            if gi in taken or g.category != p.category or not p.overlaps(g):
                continue
            if mode == "overlap" or p.same_place(g):
                taken.add(gi)
                pairs.append((pi, gi))
                break
    return pairs


def score_spans(
    predicted: Sequence[LabeledSpan],
    gold: Sequence[LabeledSpan],
    categories: Collection[str] | None = None,
    mode: MatchMode = "exact",
) -> SpanScore:
    """Score an answer against gold spans, only over `categories` (all when None).

    See the module docstring for how AMBIGUOUS and empty answers are scored.
    """

    def scored(span: LabeledSpan) -> bool:
        return span.category != AMBIGUOUS and (categories is None or span.category in categories)

    pred = [s for s in predicted if scored(s)]
    hedges = [s for s in predicted if s.category == AMBIGUOUS]
    truth = [s for s in gold if scored(s)]
    gold_unsure = [s for s in gold if s.category == AMBIGUOUS]

    pairs = spans_match(pred, truth, mode)
    matched_pred = {pi for pi, _ in pairs}
    missed = [g for gi, g in enumerate(truth) if gi not in {gj for _, gj in pairs}]
    # Excusing is a one-to-one overlap match that ignores the category.
    excused = spans_match(
        [LabeledSpan(h.start, h.end, OUTSIDE) for h in hedges],
        [LabeledSpan(g.start, g.end, OUTSIDE) for g in missed],
        "overlap",
    )
    extra = [
        p
        for pi, p in enumerate(pred)
        if pi not in matched_pred and not any(p.overlaps(u) for u in gold_unsure)
    ]
    return SpanScore(
        tp=len(pairs),
        fp=len(extra),
        fn=len(missed) - len(excused),
        excused=len(excused),
        ambiguous=len(hedges),
        context_mismatches=sum(pred[pi].context != truth[gi].context for pi, gi in pairs),
    )


def control_f1(
    predicted: Sequence[LabeledSpan],
    gold: Sequence[LabeledSpan],
    categories: Collection[str] | None = None,
    mode: MatchMode = "exact",
) -> float | None:
    """A control answer's F1, or None when it has nothing to score (all excused)."""
    score = score_spans(predicted, gold, categories, mode)
    return score.f1 if score.scorable else None


# --- code tokens --------------------------------------------------------------------


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the code tokens of text[start:end]."""
    end = len(text) if end is None else end
    return [m.span() for m in TOKEN_RE.finditer(text, start, end)]


def count_tokens(text: str) -> int:
    return len(TOKEN_RE.findall(text))


def candidate_tokens(text: str, spans: Iterable[LabeledSpan]) -> list[tuple[int, int]]:
    """The tokens that touch at least one of the spans, in text order.

    Only the covered stretches are tokenised, each widened to whole words, so the result
    equals filtering ``tokenize(text)`` without scanning the whole snippet.
    """
    regions: list[list[int]] = []
    for span in sorted(spans, key=lambda s: s.start):
        lo, hi = _widen_to_words(text, span.start, min(span.end, len(text)))
        if regions and lo <= regions[-1][1]:
            regions[-1][1] = max(regions[-1][1], hi)
        else:
            regions.append([lo, hi])
    return [tok for lo, hi in regions for tok in tokenize(text, lo, hi)]


def _widen_to_words(text: str, lo: int, hi: int) -> tuple[int, int]:
    # One regex call answers the usual question "is this edge inside a word?" (no).
    if lo > 0 and _TWO_WORD_CHARS.match(text, lo - 1):
        while lo > 0 and _WORD_CHAR.match(text, lo - 1):
            lo -= 1
    if hi > 0 and _TWO_WORD_CHARS.match(text, hi - 1):
        while _WORD_CHAR.match(text, hi):
            hi += 1
    return lo, hi


def token_cover(tokens: Sequence[tuple[int, int]], spans: Sequence[LabeledSpan]) -> list[int]:
    """For each token, the index in `spans` of the span sharing a character with it, or -1.

    `tokens` must be sorted and disjoint. Where spans overlap (they should not), the
    later span in `spans` wins.
    """
    starts = [t[0] for t in tokens]
    ends = [t[1] for t in tokens]
    cover = [-1] * len(tokens)
    for index, span in enumerate(spans):
        first = bisect_right(ends, span.start)  # first token ending after span.start
        stop = bisect_left(starts, span.end)  # first token starting at or after span.end
        for t in range(first, stop):
            cover[t] = index
    return cover


def token_labels(tokens: Sequence[tuple[int, int]], spans: Sequence[LabeledSpan]) -> list[str]:
    """Each token's label: the category of the span covering it, or "O"."""
    return [spans[i].category if i >= 0 else OUTSIDE for i in token_cover(tokens, spans)]
