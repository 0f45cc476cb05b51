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


@pytest.mark.parametrize(
    "completion, options, expected",
    [
        ("The answer is 10.", "['a ) 10', 'b ) 12.5', 'c ) 15']", 1.0),  # a list written out as text
        ("The answer is 12.5.", "['a ) 10', 'b ) 12.5', 'c ) 15']", 0.0),  # its other option
        ("The answer is 6 cm.", "['a ) 6 cm', 'b ) 10 cm']", 1.0),  # with units
        ("The answer is 4 inches.", "a ) a ) 4 inches , b ) b ) 6 inches", 1.0),  # repeated letter in each value
        ("The answer is 0.6.", "a ) a . 0.6 , b ) b . 1", 1.0),  # repeated as "a ." before the number
        ("The answer is (a).", "['a ) 10', 'b ) 12.5']", 1.0),  # a letter is read whatever the options
    ],
)
def test_multiple_choice_reads_mathqa_option_layouts(completion, options, expected):
    assert multiple_choice([completion], answer=["a"], options=[options]) == [expected]
