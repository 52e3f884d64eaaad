"""Aggregate several annotators' spans on a task into final spans (pure, no ORM).

Spans are reduced to per-token labels: the snippet is cut into code tokens
(``spans.TOKEN_RE``), and only tokens that some annotator marked are voted on. Each
annotator of the task gives each such token the category of their span covering it, or
"O" (an annotator who answered "no PII" votes "O" everywhere). Adjacent tokens that
every annotator treated alike form one item (see ``_item_heads``). All items of all
tasks go to crowd-kit in one call (task = item, worker = annotator id), so Dawid-Skene
learns each annotator's confusion matrix across the whole project. Final spans are
rebuilt from runs of adjacent tokens with the same winning label, at the character
boundaries the annotators chose.

Ties go to a PII category over AMBIGUOUS over "O" (a missed secret costs more than a
reviewed false alarm, and a tied span has low confidence, so ``needs_more_annotators``
asks for another opinion). AMBIGUOUS can win like any category; such a final span is
for review.
"""

from __future__ import annotations

import warnings
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from annotator.core import taxonomy
from annotator.quality.spans import (
    AMBIGUOUS,
    OUTSIDE,
    REAL,
    LabeledSpan,
    candidate_tokens,
    token_cover,
)

METHODS = ("majority", "weighted", "dawid_skene")
CATEGORY_ORDER = tuple(str(c) for c in taxonomy.TRAINING_ORDER)
CONTEXT_CATEGORIES = frozenset(str(c) for c in taxonomy.CONTEXT_CATEGORIES)
CONTEXT_ORDER = ("real", "license", "placeholder")  # tie order: redact when in doubt
MIN_WEIGHT = 1e-3  # a zero skill still counts a little, so every item has a winner


@dataclass(frozen=True, slots=True)
class Answer:
    """One annotator's submitted spans on a task; empty spans mean "no PII".

    `text` is the snippet's text (pass the same string object for every answer of a
    task); it is needed to cut tokens.
    """

    task_id: int
    annotator_id: int
    text: str = field(repr=False)
    spans: tuple[LabeledSpan, ...] = ()


@dataclass(frozen=True, slots=True)
class FinalSpan:
    start: int
    end: int  # exclusive
    category: str
    context: str
    confidence: float  # mean over the span's tokens of the winning label's share/posterior
    support: int  # annotators who marked (part of) it with this category


@dataclass
class _Task:
    task_id: int
    answers: list[Answer]
    tokens: list[tuple[int, int]] = field(default_factory=list)
    covers: list[list[int]] = field(default_factory=list)  # per answer, per token
    heads: list[int] = field(default_factory=list)  # first token of each item
    first_item: int = 0


def aggregate(
    answers: Sequence[Answer], method: str, skills: Mapping[int, float] | None = None
) -> dict[int, list[FinalSpan]]:
    """Final spans per task id, for every task that has answers.

    `method` is "majority", "weighted" (votes weighted by `skills`, annotator id ->
    any non-negative number; unknown annotators get the mean skill) or "dawid_skene".
    """
    if method not in METHODS:
        raise ValueError(f"Unknown aggregation method {method!r}; use one of {METHODS}.")
    tasks = _prepare(answers)
    rows = _item_rows(tasks)
    if rows.empty:
        return {task.task_id: [] for task in tasks}
    winners, confidence = _vote(rows, method, skills)
    labels, shares = winners.tolist(), confidence.tolist()  # lists index faster per task
    return {task.task_id: _rebuild(task, labels, shares) for task in tasks}


def needs_more_annotators(final_spans: Sequence[FinalSpan], threshold: float) -> bool:
    """Dynamic overlap: ask for another annotator when some final span is doubtful.

    Candidates that lost to "O" produce no final span, so a task whose only doubt is a
    rejected span does not ask for more (a majority already said "not PII").
    """
    return any(span.confidence < threshold for span in final_spans)


def _prepare(answers: Sequence[Answer]) -> list[_Task]:
    by_task: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_task[answer.task_id].append(answer)
    tasks = []
    next_item = 0
    for task_id, group in by_task.items():
        if len({a.annotator_id for a in group}) != len(group):
            raise ValueError(f"Task {task_id} has two answers from one annotator.")
        if len({a.text for a in group}) != 1:
            raise ValueError(f"Task {task_id}'s answers disagree on the snippet text.")
        task = _Task(task_id, group, first_item=next_item)
        task.tokens = candidate_tokens(group[0].text, (s for a in group for s in a.spans))
        task.covers = [token_cover(task.tokens, a.spans) for a in group]
        task.heads = _item_heads(task.covers, len(task.tokens))
        next_item += len(task.heads)
        tasks.append(task)
    return tasks


def _item_heads(covers: list[list[int]], n_tokens: int) -> list[int]:
    """Start a new item at each token that some annotator saw differently from the last.

    Adjacent tokens that every annotator put in the same span (or all left out) would get
    identical votes, so they are voted on once: majority votes do not change, and
    Dawid-Skene counts an entity once, not once per token (a 40-token key would otherwise
    weigh 40 times a one-token password in the confusion matrices). It also cuts the rows
    sent to crowd-kit about threefold.
    """
    return [t for t in range(n_tokens) if t == 0 or any(c[t] != c[t - 1] for c in covers)]


def _item_rows(tasks: Sequence[_Task]) -> pd.DataFrame:
    """One row per (item, annotator): crowd-kit's task / worker / label frame."""
    items: list[int] = []
    workers: list[int] = []
    labels: list[str] = []
    for task in tasks:
        item_ids = range(task.first_item, task.first_item + len(task.heads))
        for answer, cover in zip(task.answers, task.covers, strict=True):
            items.extend(item_ids)
            workers.extend([answer.annotator_id] * len(task.heads))
            labels.extend(
                answer.spans[cover[t]].category if cover[t] >= 0 else OUTSIDE for t in task.heads
            )
    return pd.DataFrame({"task": items, "worker": workers, "label": labels})


def _vote(
    rows: pd.DataFrame, method: str, skills: Mapping[int, float] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Winning label and its probability for each item id 0..n-1."""
    probas = _probabilities(rows, method, skills)
    columns = sorted(probas.columns, key=_tie_rank)
    items = range(int(rows["task"].max()) + 1)
    matrix = probas.reindex(index=items, columns=columns).to_numpy(dtype=float)
    # Dawid-Skene may favour a label nobody gave an item (a spammer's "EMAIL" may mean
    # "NAME"); a final span always carries a category some annotator chose there.
    voted = np.zeros(matrix.shape, dtype=bool)
    codes = pd.Categorical(rows["label"], categories=columns).codes
    voted[rows["task"].to_numpy(), codes] = True
    matrix = np.where(voted, np.nan_to_num(matrix, nan=0.0), 0.0)
    top = matrix.max(axis=1, keepdims=True)
    best = (voted & (matrix >= top * (1 - 1e-9))).argmax(axis=1)  # first of equals: tie order
    return np.asarray(columns, dtype=object)[best], matrix[np.arange(len(best)), best]


def _probabilities(
    rows: pd.DataFrame, method: str, skills: Mapping[int, float] | None
) -> pd.DataFrame:
    """crowd-kit's item x label probabilities (vote shares, or posteriors for DS)."""
    # crowd-kit pulls in a large dependency tree; import it only when aggregating.
    from crowdkit.aggregation import DawidSkene, MajorityVote

    with warnings.catch_warnings():
        # crowd-kit 1.4 still uses pandas' inplace= and copy= (deprecated in pandas 3).
        warnings.filterwarnings("ignore", module=r"crowdkit\.")
        if method == "dawid_skene":
            return DawidSkene(n_iter=100, tol=1e-5).fit(rows).probas_
        if method == "weighted":
            return MajorityVote().fit(rows, skills=_weights(rows, skills or {})).probas_
        return MajorityVote().fit(rows).probas_


def _weights(rows: pd.DataFrame, skills: Mapping[int, float]) -> pd.Series:
    known = [float(v) for v in skills.values()]
    default = sum(known) / len(known) if known else 1.0
    workers = rows["worker"].unique()
    values = [max(float(skills.get(w, default)), MIN_WEIGHT) for w in workers]
    return pd.Series(values, index=workers)


def _tie_rank(label: str) -> tuple[int, int, str]:
    if label == OUTSIDE:
        return (3, 0, label)
    if label == AMBIGUOUS:
        return (2, 0, label)
    if label in CATEGORY_ORDER:
        return (0, CATEGORY_ORDER.index(label), label)
    return (1, 0, label)


def _rebuild(task: _Task, winners: list[str], confidence: list[float]) -> list[FinalSpan]:
    # Spread each item's result over its tokens.
    labels, probs, heads = [], [], set(task.heads)
    item = task.first_item - 1
    for t in range(len(task.tokens)):
        item += t in heads
        labels.append(winners[item])
        probs.append(confidence[item])
    return [
        _final_span(task, labels[first], first, last, probs[first : last + 1])
        for first, last in _runs(task, labels, heads)
    ]


def _runs(task: _Task, labels: list[str], heads: set[int]) -> list[tuple[int, int]]:
    """(first, last) token indexes of each run of one non-"O" label."""
    runs: list[tuple[int, int]] = []
    text = task.answers[0].text
    for t, label in enumerate(labels):
        if label == OUTSIDE:
            continue
        if runs and runs[-1][1] == t - 1 and labels[t - 1] == label:
            # Inside one item every annotator saw both tokens alike: nothing to check.
            gap = text[task.tokens[t - 1][1] : task.tokens[t][0]]
            if t not in heads or (
                (not gap or gap.isspace()) and not _annotators_split(task, t, label)
            ):
                runs[-1] = (runs[-1][0], t)
                continue
        runs.append((t, t))
    return runs


def _annotators_split(task: _Task, t: int, label: str) -> bool:
    """Did more annotators put tokens t-1 and t in two spans than in one?"""
    same = split = 0
    for answer, cover in zip(task.answers, task.covers, strict=True):
        left, right = cover[t - 1], cover[t]
        if left < 0 or right < 0:
            continue
        if answer.spans[left].category != label or answer.spans[right].category != label:
            continue
        same, split = (same + 1, split) if left == right else (same, split + 1)
    return split > same


def _final_span(task: _Task, label: str, first: int, last: int, probs: list[float]) -> FinalSpan:
    marked = [
        (answer.annotator_id, answer.spans[i])
        for answer, cover in zip(task.answers, task.covers, strict=True)
        for i in sorted(set(cover[first : last + 1]))
        if i >= 0 and answer.spans[i].category == label
    ]
    lo_token, hi_token = task.tokens[first], task.tokens[last]
    start = _agreed([s.start for _, s in marked if lo_token[0] <= s.start < lo_token[1]], min)
    end = _agreed([s.end for _, s in marked if hi_token[0] < s.end <= hi_token[1]], max)
    context = REAL
    if label in CONTEXT_CATEGORIES:
        votes = Counter(s.context for _, s in marked)
        if votes:
            context = min(votes, key=lambda c: (-votes[c], _context_rank(c)))
    start = lo_token[0] if start is None else start
    end = hi_token[1] if end is None else end
    if start >= end:  # boundaries of different spans inside one token: keep the token
        start, end = lo_token[0], hi_token[1]
    return FinalSpan(
        start=start,
        end=end,
        category=label,
        context=context,
        confidence=sum(probs) / len(probs),
        support=len({annotator for annotator, _ in marked}),
    )


def _agreed(boundaries: list[int], widest) -> int | None:
    """The boundary most annotators used; among equally common ones, the widest.

    Ties are rare (quotes and brackets are tokens of their own, settled by the vote), and
    a boundary inside a word is more often a slip than the real edge of the value.
    """
    if not boundaries:
        return None
    if min(boundaries) == max(boundaries):  # the usual case, and cheap
        return boundaries[0]
    counts = Counter(boundaries)
    top = max(counts.values())
    return widest(b for b, n in counts.items() if n == top)


def _context_rank(context: str) -> int:
    return CONTEXT_ORDER.index(context) if context in CONTEXT_ORDER else len(CONTEXT_ORDER)
