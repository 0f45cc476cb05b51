"""MATH-style grading: the labelled table (tests/math_style_cases.py), MATH-500's golds against themselves, the
reward and the evaluator agreeing, and hostile LaTeX staying fast."""

import json
import random
import time
from pathlib import Path

import pytest
from math_style_cases import CASES, completion

from grpo_math.evaluate.scoring import same_answer
from grpo_math.grading import answers_match, extract_answer
from rewards.correctness import numeric_correctness

MATH500 = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "math500" / "test.jsonl"


@pytest.mark.parametrize("form", ["answer", "boxed"])
@pytest.mark.parametrize("category, pred, gold, label, why", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_labelled_case(category, pred, gold, label, why, form):
    assert numeric_correctness([completion(pred, form)], answer=[gold]) == [float(label)], why


def test_the_table_covers_every_category_with_both_labels():
    by_category = {}
    for category, _, _, label, _ in CASES:
        by_category.setdefault(category, set()).add(label)
    assert len(CASES) >= 300
    assert all(labels == {True, False} or category == "boxes" for category, labels in by_category.items())


def test_the_evaluator_agrees_with_the_reward_on_every_case():
    """One definition of correct: launch/eval.py's scoring and numeric_correctness."""
    for _, pred, gold, label, why in CASES:
        found = extract_answer(completion(pred, "boxed"))
        assert same_answer(found, gold) is label, why


@pytest.mark.skipif(not MATH500.is_file(), reason="needs ../shared/data/math500")
def test_math500_golds_agree_with_themselves_and_not_with_each_other():
    golds = [json.loads(line)["answer"] for line in MATH500.read_text().splitlines()]
    assert len(golds) == 500
    boxed = [f"So the answer is $\\boxed{{{g}}}$." for g in golds]
    assert numeric_correctness(boxed, answer=golds) == [1.0] * 500
    shuffled = golds[:]
    random.Random(0).shuffle(shuffled)
    pairs = [(g, s) for g, s in zip(golds, shuffled) if g != s]
    wrong = [(g, s) for g, s in pairs if answers_match(extract_answer(f"\\boxed{{{s}}}"), g)]
    assert wrong == []


@pytest.mark.parametrize(
    "pred, gold, expected",
    [
        ("18", "", None),  # an empty gold cannot be judged
        ("", "18", False),  # an empty prediction is wrong
        (None, "x^2", False),  # so is none
        ("\\text{Evelyn}", "\\text{Evelyn}", True),  # text compares as text
        ("x", "\\text{Evelyn}", False),
        ("x+", "x+1", False),  # a prediction the reader cannot read is wrong, not an error
        ("1 \\pm 1 \\pm 1 \\pm 1", "4, 2, 0, -2", False),  # 8 values from 3 signs: never judged by half of them
    ],
)
def test_none_is_only_for_a_gold_that_cannot_be_judged(pred, gold, expected):
    assert answers_match(pred, gold) is expected


LATEX_BOMBS = [
    ("frac nested 10,000 deep", "\\frac{" * 10_000 + "1}{2}" * 10_000),
    ("power tower", "x^{" * 5_000 + "x" + "}" * 5_000),
    ("short power tower", "x^{x^{x^{x^{x^{x^{x^{x}}}}}}}"),
    ("symbolic power tower", "(x+2)^{(x+2)^{(x+2)^{(x+2)^{99}}}}"),
    ("pmatrix with 10^5 cells", "\\begin{pmatrix}" + " & ".join(["1"] * 100_000) + "\\end{pmatrix}"),
    ("sqrt chain", "\\sqrt{" * 20_000 + "2" + "}" * 20_000),
    ("1 MB of cup", "(0,1) \\cup " * 90_000 + "(0,1)"),
    ("many pm", "1 \\pm 2 \\pm 3 \\pm 4 \\pm 5 \\pm 6"),
    ("huge exponent of a variable", "x^{99999999999}"),
    ("exp of exp", "\\exp(\\exp(\\exp(\\exp(x^{50}))))"),
    ("long product of sines", "\\sin x" * 100),
]


@pytest.mark.parametrize("name, bomb", LATEX_BOMBS, ids=[b[0] for b in LATEX_BOMBS])
@pytest.mark.parametrize("wrap", ["boxed", "answer"])
def test_latex_bombs_score_zero_quickly(name, bomb, wrap):
    text = f"\\boxed{{{bomb}}}" if wrap == "boxed" else f"<answer>\n{bomb}\n</answer>"
    for gold in ("18", "x^2+1", "(0,1)"):
        start = time.perf_counter()
        assert numeric_correctness([text], answer=[gold]) == [0.0]
        assert time.perf_counter() - start < 1.0, f"{name} vs {gold}"


def test_grading_in_threads_gives_the_same_scores():
    """Rewards run in threads (TRL, async workers): expression checks keep one mpmath context per thread."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [completion(pred, "boxed") for _, pred, _, _, _ in CASES]
    golds = [gold for _, _, gold, _, _ in CASES]
    alone = numeric_correctness(texts, answer=golds)
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda tg: numeric_correctness([tg[0]], answer=[tg[1]])[0], zip(texts, golds)))
    assert threaded == alone
