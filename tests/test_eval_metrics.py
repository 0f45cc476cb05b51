"""Metric arithmetic: the unbiased pass@k estimator, majority voting with ties, per-dataset aggregation."""

from itertools import combinations

import pytest

from grpo_math.evaluate.metrics import Sample, dataset_metrics, majority_answer, pass_at_k
from grpo_math.evaluate.scoring import same_answer


@pytest.mark.parametrize(
    "n, c, k, expected",
    [
        (4, 1, 2, 0.5),  # 1 - C(3,2)/C(4,2) = 1 - 3/6
        (10, 3, 1, 0.3),  # pass@1 is the fraction correct
        (5, 0, 3, 0.0),  # nothing correct
        (5, 5, 1, 1.0),  # everything correct
        (10, 8, 3, 1.0),  # only 2 wrong: any 3 draws include a right one
        (8, 2, 8, 1.0),  # k = n: right if any sample is
        (8, 0, 8, 0.0),
        (6, 2, 3, 0.8),  # 1 - C(4,3)/C(6,3) = 1 - 4/20
    ],
)
def test_pass_at_k_table(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected)


@pytest.mark.parametrize("n, c, k", [(5, 2, 2), (6, 1, 3), (7, 3, 4), (4, 4, 2)])
def test_pass_at_k_equals_brute_force_over_all_draws(n, c, k):
    outcomes = [True] * c + [False] * (n - c)
    draws = list(combinations(outcomes, k))
    assert pass_at_k(n, c, k) == pytest.approx(sum(any(d) for d in draws) / len(draws))


@pytest.mark.parametrize("n, c, k", [(4, 5, 1), (4, 1, 0), (4, 1, 5), (3, -1, 1)])
def test_pass_at_k_rejects_impossible_counts(n, c, k):
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


EQ = lambda a, b: a == b


@pytest.mark.parametrize(
    "answers, expected",
    [
        (["3", "4", "4"], "4"),  # plain majority
        (["3", "4", "4", "3"], "3"),  # 2-2 tie: the answer seen first wins
        (["4", "3", "3", "4"], "4"),  # the same tie in the other order
        (["5", "6", "7"], "5"),  # all different: the first
        ([None, None, "7"], "7"),  # no answer does not vote
        ([None, None], None),  # nobody answered
        ([None, "2", None, "2", "3", "3", "3"], "3"),
    ],
)
def test_majority_answer_and_ties(answers, expected):
    assert majority_answer(answers, EQ) == expected


def test_majority_groups_equivalent_forms_of_one_answer():
    # 18, 18.0 and $18 are one answer with three votes; 17 has two.
    answers = ["17", "18", "18.0", "17", "$18"]
    assert majority_answer(answers, same_answer) == "18"
    assert majority_answer(answers, EQ) == "17"  # without equivalence the split votes would lose


def s(correct, strict=False, fmt=False, length=10, answer=None):
    return Sample(correct, strict, fmt, length, answer)


def test_dataset_metrics_k1_has_no_pass_at_k():
    m = dataset_metrics([[s(True, True, True, 10)], [s(False, False, True, 20)], [s(True, False, False, 30)],
                         [s(False, length=40)]])  # fmt: skip
    assert m == {"accuracy": 0.5, "strict_accuracy": 0.25, "format_rate": 0.5, "mean_length": 25.0, "n": 4, "k": 1}


def test_dataset_metrics_k_samples():
    problems = [
        [s(True), s(False), s(False), s(False)],  # 1 of 4 right: pass@4 = 1
        [s(False), s(False), s(False), s(False)],  # none: pass@4 = 0
    ]
    m = dataset_metrics(problems, maj_correct=[False, False])
    assert m["accuracy"] == pytest.approx(1 / 8)  # the mean over all samples: the unbiased pass@1
    assert m["pass@4"] == 0.5
    assert m["maj@4"] == 0.0
    assert m["n"] == 2 and m["k"] == 4


def test_dataset_metrics_rejects_ragged_or_empty():
    with pytest.raises(ValueError):
        dataset_metrics([[s(True)], [s(True), s(False)]])
    with pytest.raises(ValueError):
        dataset_metrics([])
