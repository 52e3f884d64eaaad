"""Inter-annotator agreement, kept up to date one completed task at a time (pure).

Two figures per category:

* Pairwise span F1: for every pair of annotators on a task, how many of their spans of
  the category match one-to-one (exact offsets, or any overlap). Summed over all pairs of
  all tasks, F1 = 2 * matched / spans. Pairs where neither marked the category add
  nothing, so a project that is mostly "no PII" does not look better than it is.
* Krippendorff's alpha (nominal) with tokens as units and each annotator's token label
  (category or "O") as the value. Every token of the snippet is a unit, also those that
  all annotators left as "O": agreeing on "no PII" is agreement. Per category, the labels
  are folded to "this category" / "anything else", which is a sum over the coincidence
  matrix, so one matrix serves the overall alpha and every category.

``AgreementState`` holds only sums (a coincidence matrix and match counts), so adding a
task is cheap and the state round-trips through JSON.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from annotator.quality.aggregation import Answer
from annotator.quality.spans import (
    OUTSIDE,
    candidate_tokens,
    count_tokens,
    spans_match,
    token_labels,
)


@dataclass
class PairCounts:
    spans: int = 0  # spans of the category, both sides of every pair added up
    exact: int = 0  # one-to-one matches with the same offsets
    overlap: int = 0  # one-to-one matches sharing a character

    def f1(self, mode: str = "exact") -> float | None:
        if not self.spans:
            return None
        return 2 * (self.exact if mode == "exact" else self.overlap) / self.spans


@dataclass
class AgreementState:
    tasks: int = 0
    pairs: int = 0  # annotator pairs compared
    coincidences: dict[str, dict[str, float]] = field(default_factory=dict)
    by_category: dict[str, PairCounts] = field(default_factory=dict)

    def add_task(self, answers: Sequence[Answer]) -> None:
        """Add one task's answers (one per annotator). A task with one answer adds nothing."""
        if len({a.task_id for a in answers}) > 1:
            raise ValueError("add_task takes the answers of a single task.")
        if len(answers) < 2:
            return
        self.tasks += 1
        self._add_pairs(answers)
        self._add_coincidences(answers)

    def add_unit(self, values: Iterable[str]) -> None:
        """Add one unit: the values its coders gave (one per coder; one value adds nothing)."""
        counts = Counter(values)
        coders = sum(counts.values())
        if coders < 2:
            return
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairable = n_c * (n_k - 1) if c == k else n_c * n_k
                if pairable:
                    self._add_cell(c, k, pairable / (coders - 1))

    def span_f1(self, category: str, mode: str = "exact") -> float | None:
        """Pairwise span F1 of a category; None while nobody has marked it."""
        counts = self.by_category.get(category)
        return counts.f1(mode) if counts else None

    def alpha(self, category: str | None = None) -> float | None:
        """Krippendorff's alpha over all labels, or for one category against the rest.

        None when it is undefined: fewer than two values ever used.
        """
        matrix = self.coincidences if category is None else self._folded(category)
        return nominal_alpha(matrix)

    def to_dict(self) -> dict:
        return {
            "tasks": self.tasks,
            "pairs": self.pairs,
            "coincidences": {c: dict(row) for c, row in self.coincidences.items()},
            "by_category": {c: vars(p).copy() for c, p in self.by_category.items()},
        }

    @classmethod
    def from_dict(cls, data: dict) -> AgreementState:
        return cls(
            tasks=data["tasks"],
            pairs=data["pairs"],
            coincidences={c: dict(row) for c, row in data["coincidences"].items()},
            by_category={c: PairCounts(**p) for c, p in data["by_category"].items()},
        )

    def _add_pairs(self, answers: Sequence[Answer]) -> None:
        for one, other in combinations(answers, 2):
            self.pairs += 1
            for category in {s.category for s in one.spans} | {s.category for s in other.spans}:
                mine = [s for s in one.spans if s.category == category]
                theirs = [s for s in other.spans if s.category == category]
                counts = self.by_category.setdefault(category, PairCounts())
                counts.spans += len(mine) + len(theirs)
                counts.exact += len(spans_match(mine, theirs, "exact"))
                counts.overlap += len(spans_match(mine, theirs, "overlap"))

    def _add_coincidences(self, answers: Sequence[Answer]) -> None:
        text = answers[0].text
        tokens = candidate_tokens(text, (s for a in answers for s in a.spans))
        per_annotator = [token_labels(tokens, a.spans) for a in answers]
        for values in zip(*per_annotator, strict=True):
            self.add_unit(values)
        untouched = count_tokens(text) - len(tokens)
        # A unit where all m coders say "O" adds m(m-1)/(m-1) = m to the O-O cell.
        self._add_cell(OUTSIDE, OUTSIDE, untouched * len(answers))

    def _add_cell(self, c: str, k: str, amount: float) -> None:
        if amount:
            row = self.coincidences.setdefault(c, {})
            row[k] = row.get(k, 0.0) + amount

    def _folded(self, category: str) -> dict[bool, dict[bool, float]]:
        """The matrix over "is `category`" / "is anything else"."""
        folded: dict[bool, dict[bool, float]] = defaultdict(dict)
        for c, row in self.coincidences.items():
            for k, amount in row.items():
                a, b = (c == category), (k == category)
                folded[a][b] = folded[a].get(b, 0.0) + amount
        return folded


def nominal_alpha(coincidences: Mapping[Any, Mapping[Any, float]]) -> float | None:
    """Krippendorff's alpha for nominal data from a coincidence matrix o[c][k].

    alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c * n_k
    """
    totals: Counter = Counter()
    observed = 0.0
    for c, row in coincidences.items():
        for k, amount in row.items():
            totals[c] += amount
            if c != k:
                observed += amount
    n = sum(totals.values())
    expected = n * n - sum(v * v for v in totals.values())  # sum over c != k of n_c * n_k
    if expected <= 0:
        return None
    return 1.0 - (n - 1) * observed / expected
