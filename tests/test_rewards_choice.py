"""rewards.choice: multiple_choice on MathQA-style options, as a table with one comment per case."""

import pytest

from rewards.choice import multiple_choice

OPTIONS = "a ) 12 , b ) 16 , c ) 18 , d ) 20 , e ) 24"


@pytest.mark.parametrize(
    "completion, gold, expected",
    [
        ("c", "c", 1.0),  # bare letter
        ("(C)", "c", 1.0),  # capital in parentheses
        ("C) 18", "c", 1.0),  # letter and value
        ("Option C", "c", 1.0),  # "Option X"
        ("3 * 6 = 18.\nThe answer is (c).", "c", 1.0),  # the mathqa prompt's format
        ("3 * 6 = 18.\nThe answer is 18.", "c", 1.0),  # the value, when one option has it
        ("<reasoning>\n3 * 6\n</reasoning>\n<answer>\nc\n</answer>", "c", 1.0),  # XML span
        ([{"role": "assistant", "content": "The answer is (c)."}], "c", 1.0),  # chat message
        ("The answer is (c).", "(c)", 1.0),  # gold written with parentheses
        ("The answer is (d).", "c", 0.0),  # wrong letter
        ("It is (a) or (c).", "c", 0.0),  # two different letters
        ("The answer is 17.", "c", 0.0),  # a value no option has
        ("I cannot tell.", "c", 0.0),  # nothing
        ("The answer is (c).", "18", None),  # gold is not a letter: not applicable
    ],
)
def test_multiple_choice(completion, gold, expected):
    assert multiple_choice([completion], answer=[gold], options=[OPTIONS]) == [expected]


def test_multiple_choice_reads_letters_when_a_row_has_no_options():
    assert multiple_choice(["The answer is (c).", "The answer is 18."], answer=["c", "c"], options=[None, None]) == [
        1.0,
        0.0,
    ]
