"""Scoring one completion per prompt style: lenient (answer anywhere), strict (the style's format), format rate."""

import pytest

from grpo_math.evaluate.datasets import Problem
from grpo_math.evaluate.generate import Completion
from grpo_math.evaluate.scoring import formatted, same_answer, score, score_dataset

NUM = Problem("What is 9 * 2?", "18")
OPTS = {"a": "12", "b": "16", "c": "18", "d": "20", "e": "24"}
CHOICE = Problem("Pick 9 * 2.", "c", OPTS)
XML = "<reasoning>\n9 * 2 = 18\n</reasoning>\n<answer>\n{}\n</answer>"


@pytest.mark.parametrize(
    "style, problem, text, correct, strict, fmt",
    [
        ("xml", NUM, XML.format("18"), True, True, True),  # the reference format, right
        ("xml", NUM, XML.format("17"), False, False, True),  # formatted, wrong
        ("xml", NUM, "9 * 2 = 18", True, False, False),  # right number, no format: lenient only
        ("xml", NUM, "<reasoning>18</reasoning> <answer>18</answer>", True, False, False),  # newlines not as asked
        ("xml", NUM, XML.format("18") + "\nMore text.", True, False, False),  # text after </answer> breaks strict
        ("xml", NUM, XML.format("$18.00"), True, True, True),  # equivalence is the rewards': $18.00 = 18
        ("boxed", NUM, "So it is $\\boxed{18}$.", True, True, True),
        ("boxed", NUM, "So it is 18.", True, False, False),  # no \boxed: lenient only
        ("boxed", NUM, "\\boxed{17} hmm, no, 18", False, False, True),  # lenient reads the box first: wrong
        ("metamath", NUM, " 9 * 2 = 18\nThe answer is: 18", True, True, True),  # MetaMath's extraction phrase
        ("metamath", NUM, "The answer is 18", True, False, False),  # no colon: not MetaMath's format
        ("mathqa", CHOICE, "9 * 2 = 18.\nThe answer is (c).", True, True, True),  # the asked-for phrase
        ("mathqa", CHOICE, "The answer is c", True, True, True),  # a bare letter ending the sentence
        ("mathqa", CHOICE, "The answer is (b).", False, False, True),  # formatted, wrong letter
        ("mathqa", CHOICE, "It must be 18.", True, False, False),  # the option's value, no phrase: lenient only
        ("mathqa", CHOICE, "The answer is a little over 17.", False, False, False),  # 'a' here is no letter
        ("xml", CHOICE, XML.format("c"), True, True, True),  # MathQA in the XML style: the letter in <answer>
        ("xml", CHOICE, XML.format("C) 18"), True, True, True),
        ("boxed", CHOICE, "so \\boxed{c}", True, True, True),
    ],
)
def test_score_table(style, problem, text, correct, strict, fmt):
    sample = score(Completion(text, 7), problem, style)
    assert (sample.correct, sample.strict_correct, sample.formatted) == (correct, strict, fmt)
    assert sample.length == 7


@pytest.mark.parametrize(
    "pred, gold, expected",
    [
        ("\\frac{3}{4}", "0.75", True),  # by value
        ("Evelyn", "\\text{Evelyn}", True),  # MATH gold the parser cannot read: normalised text
        ("p-q", "p - q", True),  # spacing does not matter
        ("q - p", "p - q", False),
        (None, "\\text{Evelyn}", False),
    ],
)
def test_same_answer_grades_every_gold(pred, gold, expected):
    assert same_answer(pred, gold) is expected


def test_unknown_style_has_no_format_rule():
    with pytest.raises(ValueError):
        formatted("x", "yaml")


def test_score_dataset_majority_vote_over_equivalent_answers():
    # Problem 1: samples 17, 18, 18.0 -> majority 18 (right) although only 2 of 3 samples are right.
    # Problem 2: 5, 6 tie -> first seen (5), wrong.
    problems = [NUM, Problem("?", "6")]
    completions = [
        [Completion("17", 1), Completion("18", 1), Completion("18.0", 1)],
        [Completion("5", 1), Completion("6", 1), Completion("x", 1)],
    ]
    m = score_dataset(problems, completions, "xml")
    assert m["maj@3"] == 0.5
    assert m["pass@3"] == 1.0
    assert m["accuracy"] == pytest.approx(3 / 6)
