"""rewards.correctness: numeric_correctness and integer_answer, as tables with one comment per case."""

import pytest

from rewards.correctness import integer_answer, numeric_correctness


def xml(answer: str) -> str:
    return f"<reasoning>\nWork.\n</reasoning>\n<answer>\n{answer}\n</answer>"


@pytest.mark.parametrize(
    "completion, gold, expected",
    [
        (xml("18"), "18", 1.0),  # the reference format
        ([{"role": "assistant", "content": xml("18")}], "18", 1.0),  # chat-message completion
        (xml("$18"), "18", 1.0),  # currency
        (xml("$1,000"), "1000", 1.0),  # currency and thousands separator
        (xml("18 dollars"), "18", 1.0),  # unit
        (xml("18.00"), "18", 1.0),  # trailing zeros
        (xml("\\boxed{18}"), "18", 1.0),  # LaTeX-only checkers miss the plain form; we take both
        (xml("She earns $18 a day."), "18", 1.0),  # a sentence in the span
        (xml("3/4"), "0.75", 1.0),  # fraction vs decimal
        (xml("\\frac{3}{4}"), "3/4", 1.0),  # LaTeX fraction
        (xml("17"), "18", 0.0),  # wrong
        (xml("180"), "18", 0.0),  # wrong by a digit
        (xml("17") + "\n" + xml("18"), "18", 0.0),  # two different answers: no hedging
        (xml("18") + "\n" + xml("18"), "18", 1.0),  # duplicated but consistent
        ("The answer is 18.", "18", 1.0),  # no tags: fallback "the answer is"
        ("so \\boxed{18}", "18", 1.0),  # no tags: fallback \boxed
        ("#### 18", "18", 1.0),  # no tags: fallback ####
        ("16 - 3 - 4 = 9; 9 * 2 = 18", "18", 1.0),  # no tags: last number
        ("no idea", "18", 0.0),  # nothing extracted
        (xml("Evelyn"), "\\text{Evelyn}", 1.0),  # a text gold (MATH has names) compares as text
        (xml("18"), "\\text{Evelyn}", 0.0),  # and a number is not it
        (xml("18"), "", None),  # a gold that cannot be judged: None, not a penalty
        (xml("18"), 18, 1.0),  # a non-string gold (an int column)
    ],
)
def test_numeric_correctness(completion, gold, expected):
    assert numeric_correctness([completion], answer=[gold]) == [expected]


def test_numeric_correctness_fallbacks_kwarg():
    assert numeric_correctness(["so 18"], answer=["18"], fallbacks=["boxed"]) == [0.0]  # only \boxed allowed
    assert numeric_correctness(["so \\boxed{18}"], answer=["18"], fallbacks=["boxed"]) == [1.0]


def test_numeric_correctness_one_score_per_completion():
    with pytest.raises(ValueError):
        numeric_correctness(["1", "2"], answer=["1"])  # zip(strict=True): misaligned columns are a bug


@pytest.mark.parametrize(
    "completion, expected",
    [
        (xml("18"), 1.0),  # integer
        (xml("1,000"), 1.0),  # with a separator
        (xml("-4"), 1.0),  # negative
        (xml("18.0"), 1.0),  # integer-valued
        (xml("18.5"), 0.0),  # not an integer
        (xml("3/4"), 0.0),  # not an integer
        (xml("x"), 0.0),  # not a number
        ("no answer", 0.0),  # nothing
    ],
)
def test_integer_answer(completion, expected):
    assert integer_answer([completion]) == [expected]
