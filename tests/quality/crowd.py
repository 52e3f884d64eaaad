"""A seeded simulated crowd for the pure quality tests: snippets with known PII, and
annotators who are accurate, careless, random spammers or lazy ("no PII" every time)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from annotator.quality.aggregation import Answer
from annotator.quality.spans import LabeledSpan

NAMES = ["John Doe", "Ada Lovelace", "Grace Hopper", "Linus Torvalds", "Jane Roe"]
EMAILS = ["jdoe@example.com", "ada@math.org", "grace@navy.mil", "linus@kernel.org"]
IPS = ["10.0.0.12", "192.168.1.40", "172.16.5.9", "203.0.113.7"]
PASSWORDS = ["hunter2", "s3cr3t!", "p4ssw0rd", "letmein42"]
SLOTS = [
    ('author = "{}"', "NAME", NAMES),
    ('contact = "{}"', "EMAIL", EMAILS),
    ('server = connect("{}")', "IP_ADDRESS", IPS),
    ('db.login(user, password="{}")', "PASSWORD", PASSWORDS),
]
FILLER = ["total = compute(a, b)", "for item in items:", "    print(item.value)", "return result"]
CATEGORIES = ["NAME", "EMAIL", "IP_ADDRESS", "PASSWORD"]


@dataclass(frozen=True)
class Snippet:
    task_id: int
    text: str
    truth: tuple[LabeledSpan, ...]


@dataclass(frozen=True)
class Annotator:
    id: int
    kind: str  # accurate / careless / spammer / lazy
    keep: float = 0.0  # chance to mark a true span
    sloppy: float = 0.0  # chance to include the quotes around it
    confuse: float = 0.0  # chance to pick a wrong category
    false_alarms: float = 0.0  # expected spurious spans per snippet


CROWD = [
    *(Annotator(i, "accurate", 0.93, 0.04, 0.02, 0.05) for i in range(1, 7)),
    *(Annotator(i, "careless", 0.7, 0.2, 0.1, 0.4) for i in range(7, 10)),
    *(Annotator(i, "spammer", false_alarms=3.0) for i in range(10, 12)),
    Annotator(12, "lazy"),
]


def make_snippet(task_id: int, rng: random.Random) -> Snippet:
    lines, truth, offset = [], [], 0
    for _ in range(rng.randint(4, 8)):
        if rng.random() < 0.4:
            template, category, values = rng.choice(SLOTS)
            value = rng.choice(values)
            line = template.format(value)
            start = offset + line.index(value)
            truth.append(LabeledSpan(start, start + len(value), category))
        else:
            line = rng.choice(FILLER)
        lines.append(line)
        offset += len(line) + 1
    return Snippet(task_id, "\n".join(lines), tuple(truth))


def annotate(annotator: Annotator, snippet: Snippet, rng: random.Random) -> Answer:
    spans: list[LabeledSpan] = []
    for span in snippet.truth:
        if rng.random() >= annotator.keep:
            continue
        start, end = span.start, span.end
        if rng.random() < annotator.sloppy:
            start, end = start - 1, end + 1  # the quotes
        category = span.category
        if rng.random() < annotator.confuse:
            category = rng.choice([c for c in CATEGORIES if c != span.category])
        spans.append(LabeledSpan(start, end, category))
    for _ in range(_poisson(annotator.false_alarms, rng)):
        spurious = _random_span(snippet, rng)
        if not any(spurious.overlaps(s) for s in spans):
            spans.append(spurious)
    return Answer(snippet.task_id, annotator.id, snippet.text, tuple(spans))


def simulate(tasks: int, overlap: int, seed: int) -> tuple[list[Snippet], list[Answer]]:
    rng = random.Random(seed)
    snippets = [make_snippet(task_id, rng) for task_id in range(1, tasks + 1)]
    answers = [
        annotate(annotator, snippet, rng)
        for snippet in snippets
        for annotator in rng.sample(CROWD, overlap)
    ]
    return snippets, answers


def _random_span(snippet: Snippet, rng: random.Random) -> LabeledSpan:
    start = rng.randrange(len(snippet.text) - 6)
    return LabeledSpan(start, start + rng.randint(2, 6), rng.choice(CATEGORIES))


def _poisson(mean: float, rng: random.Random) -> int:
    count, budget = 0, rng.expovariate(1.0) if mean else float("inf")
    while budget < mean:
        count += 1
        budget += rng.expovariate(1.0)
    return count
