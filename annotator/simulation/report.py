"""The simulation report: final-label quality per aggregation method, bans, cost, agreement.

Pure: it works on the project's raw export (the JSONL records, as dicts), the truth of
each snippet and what the driver saw of each annotator. Quality is scored with exact span
matching (`quality.spans.score_spans`) per category, then summed over categories (micro).

- A *final snippet* is a non-control task with at least `overlap` answers.
- *Assignments per final snippet* counts every submitted answer, control answers included
  (they are paid for too), over the final snippets.
- *Cost per snippet* is what the annotators earned (their ledgers, read from /me) over
  the final snippets.
- Weighted voting uses skills from the control answers in the export (the rolling
  Toloka rule of `quality.skills`), as the app derives them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from annotator.quality.aggregation import METHODS, Answer, aggregate
from annotator.quality.agreement import AgreementState
from annotator.quality.skills import skill_from_controls
from annotator.quality.spans import LabeledSpan, control_f1, score_spans
from annotator.simulation.profiles import SnippetTruth


def _spans(raw: Iterable[dict]) -> tuple[LabeledSpan, ...]:
    return tuple(LabeledSpan(s["start"], s["end"], s["category"], s["context"]) for s in raw)


def task_answers(records: Sequence[dict]) -> dict[int, list[Answer]]:
    """Answers per task id: every annotation except problem reports ("no PII" = no spans)."""
    answers: dict[int, list[Answer]] = {}
    for record in records:
        text = record["text"]
        answers[record["task_id"]] = [
            Answer(record["task_id"], a["annotator_id"], text, _spans(a["spans"]))
            for a in record["annotations"]
            if not a["problem"]
        ]
    return answers


def control_skills(records: Sequence[dict], categories: Sequence[str]) -> dict[int, float]:
    """Skill 0-100 per annotator from their control answers, oldest first."""
    scores: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for record in records:
        if not record["is_control"]:
            continue
        gold = _spans(record.get("gold_spans", ()))
        for a in record["annotations"]:
            if a["problem"]:
                continue
            f1 = control_f1(_spans(a["spans"]), gold, categories)
            if f1 is not None:
                scores[a["annotator_id"]].append((a["submitted_at"] or "", f1))
    skills = {}
    for annotator, rows in scores.items():
        estimate = skill_from_controls([f1 for _, f1 in sorted(rows)])
        if estimate is not None:
            skills[annotator] = float(estimate.value)
    return skills


class _Tally:
    def __init__(self, categories: Sequence[str]) -> None:
        self.counts = {c: [0, 0, 0] for c in categories}

    def add(self, predicted: Sequence[LabeledSpan], truth: Sequence[LabeledSpan]) -> None:
        for category, counts in self.counts.items():
            score = score_spans(predicted, truth, [category])
            counts[0] += score.tp
            counts[1] += score.fp
            counts[2] += score.fn

    def figures(self) -> dict[str, dict]:
        out = {c: prf(*counts) for c, counts in self.counts.items()}
        out["ALL"] = prf(*(sum(c[i] for c in self.counts.values()) for i in range(3)))
        return out


def prf(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall and F1 from counts; a ratio over nothing is None (not 1.0)."""
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def report_build(
    *,
    records: Sequence[dict],
    truths: Mapping[int, SnippetTruth],
    categories: Sequence[str],
    overlap: int,
    annotators: Sequence[dict],
    cost_cents: int,
) -> dict:
    """The whole report as plain JSON-ready data.

    `annotators`: one dict per simulated annotator with user_id, profile, submitted,
    banned_after (None when never cut off).
    """
    answers = task_answers(records)
    final = [r for r in records if not r["is_control"] and len(answers[r["task_id"]]) >= overlap]
    spent = sum(len(a) for a in answers.values())
    return {
        "categories": list(categories),
        "overlap": overlap,
        "tasks": len(records),
        "control_tasks": sum(r["is_control"] for r in records),
        "final_snippets": len(final),
        "answers": spent,
        "assignments_per_final_snippet": spent / len(final) if final else None,
        "cost_cents": cost_cents,
        "cost_per_snippet_cents": cost_cents / len(final) if final else None,
        "methods": _methods(records, answers, final, truths, categories),
        "profiles": _profiles(records, answers, truths, categories, annotators),
        "agreement": _agreement(answers, final, categories),
    }


def _methods(records, answers, final, truths, categories) -> dict[str, dict]:
    everything = [a for group in answers.values() for a in group]
    skills = control_skills(records, categories)
    results = {}
    for method in METHODS:
        spans = aggregate(everything, method, skills) if everything else {}
        tally = _Tally(categories)
        for record in final:
            predicted = [
                LabeledSpan(s.start, s.end, s.category, s.context)
                for s in spans.get(record["task_id"], [])
            ]
            tally.add(predicted, truths[record["snippet_id"]].spans)
        results[method] = tally.figures()
    return results


def _profiles(records, answers, truths, categories, annotators) -> dict[str, dict]:
    """Each profile's own answers against the truth, and how soon it was cut off."""
    profile_of = {a["user_id"]: a["profile"] for a in annotators}
    tallies: dict[str, _Tally] = defaultdict(lambda: _Tally(categories))
    for record in records:
        if record["is_control"]:
            continue
        truth = truths[record["snippet_id"]].spans
        for answer in answers[record["task_id"]]:
            if answer.annotator_id in profile_of:
                tallies[profile_of[answer.annotator_id]].add(answer.spans, truth)
    out: dict[str, dict] = {}
    for a in annotators:
        row = out.setdefault(
            a["profile"], {"annotators": 0, "submitted": 0, "banned": 0, "tasks_until_ban": []}
        )
        row["annotators"] += 1
        row["submitted"] += a["submitted"]
        if a["banned_after"] is not None:
            row["banned"] += 1
            row["tasks_until_ban"].append(a["banned_after"])
    for profile, row in out.items():
        waits = row["tasks_until_ban"]
        row["mean_tasks_until_ban"] = sum(waits) / len(waits) if waits else None
        row["answer_quality"] = tallies[profile].figures()["ALL"] if profile in tallies else None
    return out


def _agreement(answers, final, categories) -> dict:
    state = AgreementState()
    for record in final:
        state.add_task(answers[record["task_id"]])
    per_category = {
        c: {
            "span_f1_exact": state.span_f1(c, "exact"),
            "span_f1_overlap": state.span_f1(c, "overlap"),
            "alpha": state.alpha(c),
        }
        for c in categories
    }
    return {"tasks": state.tasks, "pairs": state.pairs, "alpha": state.alpha(), **per_category}


def _num(value, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report_text(report: dict) -> str:
    """The report for a terminal."""
    lines = [
        f"Final snippets: {report['final_snippets']} of {report['tasks']} tasks "
        f"({report['control_tasks']} control); answers: {report['answers']}; "
        f"assignments per final snippet: {_num(report['assignments_per_final_snippet'], 2)}; "
        f"cost per snippet: {_num(report['cost_per_snippet_cents'], 2)} cents.",
        "",
        "Final labels against the truth (exact spans), precision / recall / F1:",
    ]
    for method, figures in report["methods"].items():
        cells = [
            f"{c}: {_num(f['precision'], 2)}/{_num(f['recall'], 2)}/{_num(f['f1'], 2)}"
            for c, f in figures.items()
        ]
        lines.append(f"  {method:<12} " + "  ".join(cells))
    lines += ["", "Profiles (own answers' F1, bans):"]
    for profile, row in report["profiles"].items():
        quality = row["answer_quality"]
        lines.append(
            f"  {profile:<16} n={row['annotators']} submitted={row['submitted']} "
            f"F1={_num(quality['f1'] if quality else None, 2)} banned={row['banned']} "
            f"tasks until ban={_num(row['mean_tasks_until_ban'], 1)}"
        )
    agreement = report["agreement"]
    lines += ["", f"Agreement over {agreement['tasks']} tasks: alpha {_num(agreement['alpha'])}"]
    for c in report["categories"]:
        a = agreement[c]
        lines.append(
            f"  {c:<12} span F1 exact {_num(a['span_f1_exact'])} overlap "
            f"{_num(a['span_f1_overlap'])} alpha {_num(a['alpha'])}"
        )
    return "\n".join(lines)
