"""The report's arithmetic on a hand-made project (pure: no database)."""

import pytest

from annotator.quality.spans import LabeledSpan
from annotator.simulation.profiles import SnippetTruth
from annotator.simulation.report import control_skills, prf, report_build, task_answers

T1 = "Ada Lovelace wrote to ada@math.org today"
T2 = "host = 10.0.0.1"
T3 = "by Grace Hopper"
T4 = "x = 1"
NAME_1, EMAIL_1 = (0, 12, "NAME"), (22, 34, "EMAIL")


def _span(start, end, category, context="real"):
    return {"start": start, "end": end, "category": category, "context": context}


def _annotation(annotator, *spans, problem=""):
    return {
        "annotation_id": annotator * 100 + len(spans),
        "annotator_id": annotator,
        "no_pii": not spans and not problem,
        "problem": problem,
        "submitted_at": "2026-11-25T10:00:00+00:00",
        "time_spent_ms": 1000,
        "spans": [_span(*s) for s in spans],
    }


def _record(task_id, text, annotations, gold=None):
    record = {
        "task_id": task_id,
        "snippet_id": task_id + 10,
        "text": text,
        "is_control": gold is not None,
        "annotations": annotations,
    }
    if gold is not None:
        record["gold_spans"] = [_span(*g) for g in gold]
    return record


RECORDS = [
    # Final: the accurate annotator finds both, the spammer says "no PII".
    _record(1, T1, [_annotation(1, NAME_1, EMAIL_1), _annotation(2)]),
    # Final: nothing to find; the careless annotator marks "host" as an EMAIL.
    _record(2, T2, [_annotation(1), _annotation(3, (0, 4, "EMAIL"))]),
    # A control task: not scored as a final snippet, but its answers are paid.
    _record(
        3,
        T3,
        [
            _annotation(1, (3, 15, "NAME")),
            _annotation(2, (0, 2, "EMAIL")),
            _annotation(3, (3, 15, "NAME")),
        ],
        gold=[(3, 15, "NAME")],
    ),
    # One answer and one problem report: not final, and the report is no answer.
    _record(4, T4, [_annotation(1), _annotation(2, problem="binary")]),
]
TRUTHS = {
    11: SnippetTruth(T1, (LabeledSpan(*NAME_1), LabeledSpan(*EMAIL_1))),
    12: SnippetTruth(T2, ()),
    13: SnippetTruth(T3, (LabeledSpan(3, 15, "NAME"),)),
    14: SnippetTruth(T4, ()),
}
ANNOTATORS = [
    {"user_id": 1, "profile": "accurate", "submitted": 4, "banned_after": None},
    {"user_id": 2, "profile": "spammer", "submitted": 2, "banned_after": 2},
    {"user_id": 3, "profile": "careless", "submitted": 2, "banned_after": None},
]


@pytest.fixture(scope="module")
def report():
    return report_build(
        records=RECORDS, truths=TRUTHS, categories=["NAME", "EMAIL"], overlap=2,
        annotators=ANNOTATORS, cost_cents=40,
    )  # fmt: skip


def test_problem_reports_are_not_answers():
    answers = task_answers(RECORDS)
    assert [len(answers[t]) for t in (1, 2, 3, 4)] == [2, 2, 3, 1]


def test_counts_and_cost(report):
    assert report["tasks"] == 4
    assert report["control_tasks"] == 1
    assert report["final_snippets"] == 2  # tasks 1 and 2
    assert report["answers"] == 8
    assert report["assignments_per_final_snippet"] == 4.0
    assert report["cost_per_snippet_cents"] == 20.0


def test_majority_keeps_tied_pii_so_the_careless_false_alarm_counts(report):
    # Two answers per task: a tie goes to the PII category (aggregation's tie rule).
    majority = report["methods"]["majority"]
    assert majority["NAME"] == prf(1, 0, 0)
    assert majority["EMAIL"] == prf(1, 1, 0)
    assert majority["ALL"] == {
        "precision": 2 / 3, "recall": 1.0, "f1": 0.8, "tp": 2, "fp": 1, "fn": 0,
    }  # fmt: skip
    # One control answer each is under the skill minimum: weighted falls back to equal votes.
    assert report["methods"]["weighted"] == majority
    assert set(report["methods"]) == {"majority", "weighted", "dawid_skene"}


def test_profiles_are_scored_on_their_own_answers(report):
    profiles = report["profiles"]
    assert profiles["accurate"]["answer_quality"]["f1"] == 1.0
    assert profiles["spammer"]["answer_quality"] == prf(0, 0, 2)
    assert profiles["careless"]["answer_quality"] == prf(0, 1, 0)


def test_tasks_until_ban(report):
    spammer = report["profiles"]["spammer"]
    assert (spammer["banned"], spammer["tasks_until_ban"]) == (1, [2])
    assert spammer["mean_tasks_until_ban"] == 2.0
    assert report["profiles"]["accurate"]["mean_tasks_until_ban"] is None


def test_agreement_counts_the_final_tasks_pairs(report):
    agreement = report["agreement"]
    assert (agreement["tasks"], agreement["pairs"]) == (2, 2)
    assert agreement["NAME"]["span_f1_exact"] == 0.0  # only one of the pair marked it
    assert agreement["EMAIL"]["span_f1_exact"] == 0.0


def test_ratios_over_nothing_are_none_not_perfect():
    assert prf(0, 0, 0) == {
        "precision": None, "recall": None, "f1": None, "tp": 0, "fp": 0, "fn": 0,
    }  # fmt: skip


def test_control_skills_need_three_scored_answers():
    control = _record(9, T3, [_annotation(1, (3, 15, "NAME"))], gold=[(3, 15, "NAME")])
    records = [{**control, "task_id": n} for n in range(3)]
    assert control_skills(records, ["NAME"]) == {1: 100.0}
    assert control_skills(records[:2], ["NAME"]) == {}
