"""Aggregation speed: 12,000 tasks x overlap 3 of synthetic spans, each method.

Not a test. Run from the repository root:

    .venv/bin/python benchmarks/aggregation_bench.py                 # 12,000 tasks
    .venv/bin/python benchmarks/aggregation_bench.py --tasks 1000    # quick look

Pure Python: no database. Snippets are ~50 lines of code, about one in five lines holds a
PII value (name, email, IP, password, key, username). A crowd of 300 annotators (70 %
accurate, 20 % careless, 10 % spammers) answers each task three times. Each method runs
once on the whole project, as the service does, and prints the wall time of
`aggregate()` (tokenising, one crowd-kit call, rebuilding spans), the CPU time of the
process (the machine is shared: wall time rises with other people's load, CPU time much
less) and the F1 of its final spans against the truth. The incremental agreement update
is timed per task.
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator.quality.aggregation import METHODS, Answer, aggregate
from annotator.quality.agreement import AgreementState
from annotator.quality.spans import LabeledSpan, score_spans

SEED = 20241125
CODE = [
    "    total = compute(items, limit=10)",
    "for entry in self.entries:",
    "        result.append(entry.value * 2)",
    "    return {'status': 'ok', 'count': len(rows)}",
    "def handle_request(request, *args, **kwargs):",
    "    # TODO: refactor this once the API settles",
    "import os, sys, json",
    "    if not response.ok: raise RuntimeError(response.text)",
]
PII = [
    ('AUTHOR = "{}"', "NAME", ["John Doe", "Ada Lovelace", "Grace Hopper", "Alan Turing"]),
    ("# contact: {}", "EMAIL", ["jdoe@example.com", "ada@math.org", "ops@corp.io"]),
    ('HOST = "{}"', "IP_ADDRESS", ["10.0.0.12", "192.168.1.40", "203.0.113.7"]),
    ('db.connect(password="{}")', "PASSWORD", ["hunter2", "s3cr3t!", "letmein42"]),
    ('API_KEY = "{}"', "KEY", ["sk_live_4eC39HqLyjWDarjtT1zdp7dc", "AKIAIOSFODNN7EXAMPLE"]),
    ("# maintained by @{}", "USERNAME", ["jdoe85", "octocat", "torvalds"]),
]
CATEGORIES = [category for _, category, _ in PII]


def make_task(task_id: int, rng: random.Random) -> tuple[str, list[LabeledSpan]]:
    lines, truth, offset = [], [], 0
    for _ in range(50):
        if rng.random() < 0.2:
            template, category, values = rng.choice(PII)
            value = rng.choice(values)
            line = template.format(value)
            start = offset + line.index(value)
            truth.append(LabeledSpan(start, start + len(value), category))
        else:
            line = rng.choice(CODE)
        lines.append(line)
        offset += len(line) + 1
    return "\n".join(lines), truth


def make_crowd(rng: random.Random) -> list[tuple[int, float, float]]:
    """(annotator id, chance to mark a true span, expected false alarms per task)."""
    crowd = []
    for annotator_id in range(1, 301):
        kind = rng.random()
        if kind < 0.7:
            crowd.append((annotator_id, 0.93, 0.1))
        elif kind < 0.9:
            crowd.append((annotator_id, 0.7, 0.8))
        else:
            crowd.append((annotator_id, 0.0, 3.0))
    return crowd


def answer(task_id, text, truth, who, rng) -> Answer:
    annotator_id, keep, false_alarms = who
    spans = []
    for span in truth:
        if rng.random() < keep:
            category = span.category if rng.random() > 0.03 else rng.choice(CATEGORIES)
            shift = 1 if rng.random() < 0.05 else 0  # include the quote
            spans.append(LabeledSpan(span.start - shift, span.end + shift, category))
    for _ in range(int(false_alarms + rng.random())):
        start = rng.randrange(len(text) - 8)
        spurious = LabeledSpan(start, start + rng.randint(2, 8), rng.choice(CATEGORIES))
        if not any(spurious.overlaps(s) for s in spans):
            spans.append(spurious)
    return Answer(task_id, annotator_id, text, tuple(sorted(spans, key=lambda s: s.start)))


def build(tasks: int, overlap: int) -> tuple[list[Answer], dict[int, list[LabeledSpan]]]:
    rng = random.Random(SEED)
    crowd = make_crowd(rng)
    answers, truths = [], {}
    for task_id in range(1, tasks + 1):
        text, truth = make_task(task_id, rng)
        truths[task_id] = truth
        answers += [answer(task_id, text, truth, who, rng) for who in rng.sample(crowd, overlap)]
    return answers, truths


def f1(final, truths) -> float:
    tp = fp = fn = 0
    for task_id, truth in truths.items():
        predicted = [LabeledSpan(f.start, f.end, f.category) for f in final[task_id]]
        score = score_spans(predicted, truth)
        tp, fp, fn = tp + score.tp, fp + score.fp, fn + score.fn
    return 2 * tp / (2 * tp + fp + fn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=12_000)
    parser.add_argument("--overlap", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    answers, truths = build(args.tasks, args.overlap)
    spans = sum(len(a.spans) for a in answers)
    print(f"{args.tasks} tasks x {args.overlap}: {len(answers)} answers, {spans} spans, "
          f"generated in {time.perf_counter() - started:.1f} s")  # fmt: skip
    import crowdkit.aggregation  # noqa: F401  (import cost kept out of the timings)

    skills = {a.annotator_id: 80.0 for a in answers}
    for method in METHODS:
        started, cpu = time.perf_counter(), time.process_time()
        final = aggregate(answers, method, skills if method == "weighted" else None)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"{method:12s} {elapsed:6.2f} s wall  {cpu:6.2f} s CPU   "
              f"F1 vs truth {f1(final, truths):.3f}")  # fmt: skip

    by_task: dict[int, list[Answer]] = {}
    for a in answers[: 1000 * args.overlap]:
        by_task.setdefault(a.task_id, []).append(a)
    state = AgreementState()
    started = time.perf_counter()
    for task_answers in by_task.values():
        state = AgreementState.from_dict(state.to_dict())
        state.add_task(task_answers)
    per_task = (time.perf_counter() - started) / len(by_task) * 1000
    print(f"agreement   {per_task:6.2f} ms per task (add_task + dict round trip), "
          f"alpha {state.alpha():.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
