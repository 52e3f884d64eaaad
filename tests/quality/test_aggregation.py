import random
from collections import defaultdict

import pytest

from annotator.quality.aggregation import Answer, FinalSpan, aggregate, needs_more_annotators
from annotator.quality.skills import skill_from_controls
from annotator.quality.spans import LabeledSpan, control_f1, score_spans
from tests.quality.crowd import CROWD, annotate, make_snippet, simulate

# 0         1         2         3         4
# 01234567890123456789012345678901234567890123
TEXT = 'author = "John Doe"  # mail jdoe@example.com'
NAME = LabeledSpan(10, 18, "NAME")
EMAIL = LabeledSpan(28, 44, "EMAIL")


def answer(annotator_id, *spans, task_id=1, text=TEXT):
    return Answer(task_id, annotator_id, text, tuple(spans))


def places(final):
    return [(f.start, f.end, f.category) for f in final]


def test_two_of_three_keep_a_name_with_confidence_two_thirds():
    answers = [answer(1, NAME), answer(2, NAME), answer(3)]
    [span] = aggregate(answers, "majority")[1]
    assert places([span]) == [(10, 18, "NAME")]
    assert span.confidence == pytest.approx(2 / 3)
    assert span.support == 2


def test_a_spammer_is_outvoted():
    spam = [LabeledSpan(0, 6, "PASSWORD"), LabeledSpan(28, 44, "NAME")]
    answers = [answer(1, NAME, EMAIL), answer(2, NAME, EMAIL), answer(3, *spam)]
    final = aggregate(answers, "majority")[1]
    assert places(final) == [(10, 18, "NAME"), (28, 44, "EMAIL")]
    # The spammer left the name unmarked and called the email a name: 2 votes of 3 each.
    assert [f.confidence for f in final] == pytest.approx([2 / 3, 2 / 3])


def test_one_annotator_against_two_no_pii_answers_is_dropped():
    assert aggregate([answer(1, NAME), answer(2), answer(3)], "majority") == {1: []}


def test_all_no_pii_answers_give_no_spans_and_no_answers_give_no_tasks():
    assert aggregate([answer(1), answer(2), answer(3)], "dawid_skene") == {1: []}
    assert aggregate([], "majority") == {}


def test_every_task_gets_an_entry_even_without_spans():
    answers = [answer(1, NAME), answer(2, NAME), answer(1, task_id=2), answer(2, task_id=2)]
    result = aggregate(answers, "majority")
    assert places(result[1]) == [(10, 18, "NAME")]
    assert result[2] == []


def test_boundary_disagreement_follows_the_majority_of_tokens():
    quoted = LabeledSpan(9, 19, "NAME")  # includes the quotes
    final = aggregate([answer(1, NAME), answer(2, quoted), answer(3, NAME)], "majority")[1]
    assert places(final) == [(10, 18, "NAME")]


def test_boundary_inside_a_token_takes_the_most_common_one():
    text = "see @jdoe85 for details"
    short, long = LabeledSpan(4, 9, "USERNAME"), LabeledSpan(4, 11, "USERNAME")
    answers = [answer(a, s, text=text) for a, s in [(1, short), (2, short), (3, long)]]
    [span] = aggregate(answers, "majority")[1]
    assert text[span.start : span.end] == "@jdoe"


def test_category_confusion_is_settled_by_vote():
    user = LabeledSpan(28, 44, "USERNAME")
    final = aggregate([answer(1, EMAIL), answer(2, EMAIL), answer(3, user)], "majority")[1]
    assert places(final) == [(28, 44, "EMAIL")]


def test_context_is_voted_among_those_who_marked_the_span():
    fake = LabeledSpan(10, 18, "NAME", "placeholder")
    answers = [answer(1, fake), answer(2, fake), answer(3, NAME), answer(4)]
    [span] = aggregate(answers, "majority")[1]
    assert (span.category, span.context, span.support) == ("NAME", "placeholder", 3)


def test_context_tie_falls_back_to_real():
    fake = LabeledSpan(10, 18, "NAME", "placeholder")
    [span] = aggregate([answer(1, fake), answer(2, NAME)], "majority")[1]
    assert span.context == "real"


def test_categories_without_context_are_always_real():
    ip_text = "host = 10.0.0.12"
    ip = LabeledSpan(7, 16, "IP_ADDRESS")
    final = aggregate([answer(a, ip, text=ip_text) for a in (1, 2)], "majority")[1]
    assert [(f.category, f.context) for f in final] == [("IP_ADDRESS", "real")]


def test_a_name_is_one_span_but_two_people_stay_two_spans():
    text = "by Alice Bob"
    alice, bob, both = (LabeledSpan(*s, "NAME") for s in [(3, 8), (9, 12), (3, 12)])
    two = aggregate([answer(a, alice, bob, text=text) for a in (1, 2, 3)], "majority")[1]
    assert [text[f.start : f.end] for f in two] == ["Alice", "Bob"]
    one = aggregate([answer(a, both, text=text) for a in (1, 2, 3)], "majority")[1]
    assert [text[f.start : f.end] for f in one] == ["Alice Bob"]


def test_tie_between_pii_and_nothing_keeps_the_span_and_asks_for_more():
    final = aggregate([answer(1, NAME), answer(2)], "majority")[1]
    assert places(final) == [(10, 18, "NAME")]
    assert final[0].confidence == 0.5
    assert needs_more_annotators(final, threshold=0.6)
    assert not needs_more_annotators(final, threshold=0.5)


def test_needs_more_annotators_is_false_without_spans():
    assert not needs_more_annotators([], threshold=0.9)
    sure = FinalSpan(0, 4, "NAME", "real", confidence=1.0, support=3)
    assert not needs_more_annotators([sure], threshold=0.9)


def test_weighted_vote_lets_an_expert_outvote_two_novices():
    answers = [answer(1, NAME), answer(2), answer(3)]
    skills = {1: 90, 2: 10, 3: 10}
    [span] = aggregate(answers, "weighted", skills)[1]
    assert span.confidence == pytest.approx(90 / 110)
    assert aggregate(answers, "majority")[1] == []


def test_weighted_vote_gives_unknown_annotators_the_mean_skill():
    answers = [answer(1, NAME), answer(2), answer(3)]
    # 2 and 3 get the mean (50) each: 40 against 100.
    assert aggregate(answers, "weighted", {1: 40, 9: 60})[1] == []


def test_dawid_skene_trusts_a_good_annotator_over_two_lazy_ones():
    """MV drops the last task's name (one mark against two "no PII"); DS learned on the
    other tasks that the two lazy annotators never mark anything, so their "O" says
    nothing, while annotator 1 is always right."""
    good, lazy, noisy = [1, 2, 3], [8, 9], 7
    answers = []
    for task_id in range(1, 31):
        text = f"owner = Person{task_id} ; count = {task_id}"
        name = LabeledSpan(8, 8 + len(f"Person{task_id}"), "NAME")
        count = LabeledSpan(text.index("count"), text.index("count") + 5, "NAME")
        crowd = [good[task_id % 3], good[(task_id + 1) % 3], lazy[task_id % 2], noisy]
        for annotator_id in crowd:
            if annotator_id in lazy:
                spans = ()
            elif annotator_id == noisy:
                spans = (name, count)  # "count" is a false alarm the others reject
            else:
                spans = (name,)
            answers.append(answer(annotator_id, *spans, task_id=task_id, text=text))
    last = "owner = Zed ; count = 0"
    answers += [answer(a, *([LabeledSpan(8, 11, "NAME")] if a == 1 else []), task_id=99, text=last)
                for a in (1, 8, 9)]  # fmt: skip
    assert aggregate(answers, "majority")[99] == []
    [span] = aggregate(answers, "dawid_skene")[99]
    assert (span.start, span.end, span.category) == (8, 11, "NAME")
    assert span.confidence > 0.9


def test_unknown_method_and_duplicate_answers_are_refused():
    with pytest.raises(ValueError, match="method"):
        aggregate([answer(1, NAME)], "median")
    with pytest.raises(ValueError, match="two answers"):
        aggregate([answer(1, NAME), answer(1)], "majority")


def _micro_f1(pairs):
    tp = fp = fn = 0
    for predicted, gold in pairs:
        score = score_spans(predicted, gold)
        tp, fp, fn = tp + score.tp, fp + score.fp, fn + score.fn
    return 2 * tp / (2 * tp + fp + fn)


def _control_skills(seed):
    """Skills as the app measures them: from each annotator's last 10 control answers."""
    rng = random.Random(seed)
    skills = {}
    for annotator in CROWD:
        scores = []
        for i in range(10):
            snippet = make_snippet(1000 + i, rng)
            scores.append(control_f1(annotate(annotator, snippet, rng).spans, snippet.truth))
        estimate = skill_from_controls([s for s in scores if s is not None], 10, 3, 0.8)
        skills[annotator.id] = estimate.value if estimate else 0
    return skills


@pytest.mark.parametrize("seed", [1, 2])
def test_simulated_crowd_aggregate_beats_every_annotator(seed):
    """300 snippets, overlap 5, drawn from 6 accurate, 3 careless, 2 random spammers and
    1 lazy annotator. Dawid-Skene and the skill-weighted vote beat the best single
    annotator; plain majority only beats the crowd's average (a quarter of the crowd
    never marks a true span, so a true span often lacks 3 of 5 votes)."""
    snippets, answers = simulate(tasks=300, overlap=5, seed=seed)
    truth = {s.task_id: s.truth for s in snippets}
    per_annotator = defaultdict(list)
    for a in answers:
        per_annotator[a.annotator_id].append((a.spans, truth[a.task_id]))
    single = {a: _micro_f1(pairs) for a, pairs in per_annotator.items()}

    def f1_of(method, skills=None):
        final = aggregate(answers, method, skills)
        return _micro_f1([(_as_spans(final[t]), gold) for t, gold in truth.items()])

    assert f1_of("dawid_skene") > max(single.values())
    assert f1_of("weighted", _control_skills(seed)) > max(single.values())
    assert f1_of("majority") > sum(single.values()) / len(single)


def test_simulated_crowd_dawid_skene_beats_majority_at_overlap_three():
    snippets, answers = simulate(tasks=300, overlap=3, seed=3)
    truth = {s.task_id: s.truth for s in snippets}

    def f1_of(method):
        final = aggregate(answers, method)
        return _micro_f1([(_as_spans(final[t]), gold) for t, gold in truth.items()])

    assert f1_of("dawid_skene") > f1_of("majority") + 0.02


def _as_spans(final):
    return [LabeledSpan(f.start, f.end, f.category, f.context) for f in final]


def test_zero_skills_still_vote_like_a_plain_majority():
    answers = [answer(1, NAME), answer(2, NAME), answer(3)]
    [span] = aggregate(answers, "weighted", {1: 0, 2: 0, 3: 0})[1]
    assert span.confidence == pytest.approx(2 / 3)


def test_answers_of_one_task_must_share_the_snippet_text():
    with pytest.raises(ValueError, match="snippet text"):
        aggregate([answer(1, NAME), answer(2, NAME, text=TEXT.upper())], "majority")


def test_every_method_agrees_on_a_clear_case():
    answers = [answer(a, NAME, EMAIL) for a in (1, 2, 3)] + [answer(4, NAME)]
    for method in ("majority", "weighted", "dawid_skene"):
        final = aggregate(answers, method, {1: 50, 2: 50, 3: 50, 4: 50})[1]
        assert places(final) == [(10, 18, "NAME"), (28, 44, "EMAIL")], method
