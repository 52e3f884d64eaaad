import pytest
from scipy.stats import binomtest

from annotator.quality.skills import SkillEstimate, accuracy_upper_bound, skill_from_controls


def test_no_skill_before_the_minimum_number_of_answers():
    assert skill_from_controls([1.0, 1.0], window=10, minimum=3, threshold=0.8) is None


def test_skill_is_the_share_of_correct_answers_once_there_are_enough():
    estimate = skill_from_controls([1.0, 0.5, 0.9], window=10, minimum=3, threshold=0.8)
    assert estimate == SkillEstimate(value=67, mean_f1=pytest.approx(0.8), answers=3)


def test_only_the_last_window_answers_count():
    old_mistakes = [0.0] * 5
    estimate = skill_from_controls([*old_mistakes, *[1.0] * 10], 10, 3, 0.8)
    assert (estimate.value, estimate.mean_f1, estimate.answers) == (100, 1.0, 10)


def test_an_answer_exactly_at_the_threshold_counts_as_correct():
    assert skill_from_controls([0.8, 0.79, 0.8, 0.79], 10, 3, 0.8).value == 50


def test_half_percent_rounds_up():
    # 1 correct of 8 is 12.5 %: reported as 13, not banker's 12.
    assert skill_from_controls([1.0] + [0.0] * 7, 8, 3, 0.8).value == 13


def test_mean_f1_keeps_what_the_percentage_hides():
    near_misses = skill_from_controls([0.75] * 4, 10, 3, 0.8)
    blanks = skill_from_controls([0.0] * 4, 10, 3, 0.8)
    assert near_misses.value == blanks.value == 0
    assert near_misses.mean_f1 == 0.75
    assert blanks.mean_f1 == 0.0


@pytest.mark.parametrize(("window", "minimum"), [(3, 5), (10, 0)])
def test_inconsistent_window_and_minimum_are_refused(window, minimum):
    with pytest.raises(ValueError):
        skill_from_controls([1.0] * 10, window, minimum, 0.8)


def test_scores_outside_zero_to_one_are_refused():
    with pytest.raises(ValueError):
        skill_from_controls([1.0, 1.0, 80.0], 10, 3, 0.8)


@pytest.mark.parametrize(
    ("correct", "answers", "low", "high"),
    [
        (1, 3, 0.74, 0.75),  # a slip or two: still plausibly above 50 %
        (0, 3, 0.47, 0.48),  # nothing right of 3: under 50 %
        (0, 1, 0.72, 0.74),
        (2, 10, 0.45, 0.46),
        (3, 10, 0.55, 0.56),
        (10, 10, 1.0, 1.0),
    ],
)
def test_accuracy_upper_bound_is_the_one_sided_95_percent_wilson_bound(correct, answers, low, high):
    # scipy's Wilson interval at 90 % two-sided has the one-sided 95 % bound as its top.
    scipy_bound = binomtest(correct, answers).proportion_ci(confidence_level=0.9, method="wilson")
    bound = accuracy_upper_bound(correct, answers)
    assert low <= bound <= high
    assert bound == pytest.approx(scipy_bound.high, abs=1e-9)
