"""rewards.correctness: numeric_correctness, integer_answer and digit_credit, as tables with one comment per case."""

import pytest

from rewards.correctness import digit_credit, integer_answer, numeric_correctness


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


@pytest.mark.parametrize(
    "completion, gold, expected",
    [
        (xml("54"), "54", 1.0),  # exact: full credit, as numeric_correctness
        (xml("44"), "54", 2 / 3),  # sign and ones right, the carry missed
        (xml("64"), "54", 2 / 3),  # wrong by ten the other way: the same credit
        (xml("17"), "54", 1 / 3),  # only the sign
        (xml("-68"), "68", 2 / 3),  # the digits right, the sign wrong
        (xml("-8"), "-68", 2 / 3),  # a digit short: the missing tens digit counts as wrong
        (xml("168"), "68", 3 / 4),  # a digit too many
        (xml("1068"), "68", 0.0),  # two digits too many: not a near miss
        (xml("9" * 400), "18", 0.0),  # nor is a huge number
        (xml("0"), "0", 1.0),
        (xml("5.0"), "5", 1.0),  # an integer however written, as numeric_correctness reads it
        (xml("5.5"), "5", 0.0),  # not an integer: no credit
        (xml("x + 1"), "5", 0.0),
        ("no answer here", "5", 0.0),
        (xml("5"), "2.5", None),  # a non-integer gold: no opinion
    ],
)
def test_digit_credit(completion, gold, expected):
    (score,) = digit_credit([completion], answer=[gold])
    assert score == pytest.approx(expected) if expected is not None else score is None


def test_digit_credit_is_one_only_where_numeric_correctness_is():
    golds = [str(g) for g in range(-120, 121, 7)]
    guesses = [str(g) for g in range(-130, 131, 3)]
    for gold in golds:
        completions = [xml(x) for x in guesses]
        credit = digit_credit(completions, answer=[gold] * len(completions))
        exact = numeric_correctness(completions, answer=[gold] * len(completions))
        assert [c == 1.0 for c in credit] == [e == 1.0 for e in exact]
        assert all(0.0 <= c <= 1.0 for c in credit)
