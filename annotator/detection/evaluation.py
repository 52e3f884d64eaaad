"""Scoring predicted spans against gold spans, per category (pure, no I/O).

Two matchings: `exact` (same start, end and category) and `overlap` (same category and
at least one shared character). Each gold and each predicted span is matched at most
once, so one long prediction cannot satisfy several gold spans.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# BigCode's released labels fold the context into the category name.
_SUFFIXES = ("_LICENSE", "_EXAMPLE")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    category: str


@dataclass(frozen=True, slots=True)
class Score:
    true_positives: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {
            "tp": self.true_positives,
            "predicted": self.predicted,
            "gold": self.gold,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def normalise_category(category: str) -> str:
    """`NAME_LICENSE` -> `NAME`; `SSH_KEY`/`API_KEY` -> `KEY`; others unchanged."""
    upper = category.upper()
    if upper in {"SSH_KEY", "API_KEY"}:
        return "KEY"
    for suffix in _SUFFIXES:
        if upper.endswith(suffix):
            return upper[: -len(suffix)]
    return upper


def spans_from_record(record: Mapping) -> list[Span]:
    """Read `spans` (with `label` or `category`) or BigCode `fragments` (with `position`)."""
    out = []
    for item in record.get("spans") or []:
        category = item.get("label") or item.get("category")
        if category is None:
            raise ValueError("a span needs a 'label' or 'category'")
        out.append(Span(int(item["start"]), int(item["end"]), normalise_category(category)))
    for item in record.get("fragments") or []:
        start, end = item["position"]
        out.append(Span(int(start), int(end), normalise_category(item["category"])))
    return out


def match_count(gold: list[Span], predicted: list[Span], exact: bool) -> int:
    """Greedy one-to-one matching in offset order; exact matches are unambiguous."""
    if exact:
        return len(set(gold) & set(predicted))
    used: set[int] = set()
    count = 0
    for g in sorted(gold, key=lambda s: (s.start, s.end)):
        for i, p in enumerate(predicted):
            if i not in used and p.category == g.category and p.start < g.end and g.start < p.end:
                used.add(i)
                count += 1
                break
    return count


def evaluate(pairs: Iterable[tuple[list[Span], list[Span]]]) -> dict[str, dict[str, Score]]:
    """Per-category scores over (gold, predicted) pairs, one pair per snippet.

    Returns `{"exact": {category: Score}, "overlap": {...}}` with an `ALL` row that
    micro-averages the categories.
    """
    tallies: dict[str, dict[str, list[int]]] = {
        "exact": defaultdict(lambda: [0, 0, 0]),
        "overlap": defaultdict(lambda: [0, 0, 0]),
    }
    for gold, predicted in pairs:
        for category in {s.category for s in gold} | {s.category for s in predicted}:
            g = [s for s in gold if s.category == category]
            p = [s for s in predicted if s.category == category]
            for mode in ("exact", "overlap"):
                tally = tallies[mode][category]
                tally[0] += match_count(g, p, exact=mode == "exact")
                tally[1] += len(p)
                tally[2] += len(g)
    return {mode: _with_total(rows) for mode, rows in tallies.items()}


def _with_total(rows: Mapping[str, list[int]]) -> dict[str, Score]:
    scores = {category: Score(*rows[category]) for category in sorted(rows)}
    totals = [sum(values) for values in zip(*rows.values(), strict=False)] or [0, 0, 0]
    scores["ALL"] = Score(*totals)
    return scores


def format_table(results: Mapping[str, Mapping[str, Score]]) -> str:
    lines = []
    for mode, rows in results.items():
        lines.append(f"{mode} match")
        lines.append(
            f"{'category':<12} {'P':>6} {'R':>6} {'F1':>6} {'tp':>6} {'pred':>6} {'gold':>6}"
        )
        for category, s in rows.items():
            lines.append(
                f"{category:<12} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} "
                f"{s.true_positives:6d} {s.predicted:6d} {s.gold:6d}"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
