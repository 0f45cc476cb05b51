"""rewards.format: xml_format (strict / lenient) and xml_count, as tables with one comment per case."""

import pytest

from rewards.format import xml_count, xml_format

GOOD = "<reasoning>\nHe has 3 + 4 = 7.\nSo 7.\n</reasoning>\n<answer>\n7\n</answer>"


@pytest.mark.parametrize(
    "completion, strict, expected",
    [
        (GOOD, True, 1.0),  # multi-line reasoning, ends at EOS right after </answer>: full credit
        (GOOD + "\n", True, 1.0),  # one trailing newline
        ([{"role": "assistant", "content": GOOD}], True, 1.0),  # chat-message completion
        (GOOD + "\nHope that helps!", True, 0.0),  # text after the answer
        (GOOD + "\n" + GOOD, True, 0.0),  # duplicated blocks
        (GOOD.replace("\n", " "), True, 0.0),  # newlines missing: not strict
        (GOOD.replace("\n", " "), False, 1.0),  # lenient takes any whitespace
        (GOOD + "\nHope that helps!", False, 0.0),  # lenient still ends at </answer>
        ("<answer>\n7\n</answer>", False, 0.0),  # no reasoning block
        ("7", True, 0.0),  # no format at all
        ("", True, 0.0),  # empty
    ],
)
def test_xml_format(completion, strict, expected):
    assert xml_format([completion], strict=strict) == [expected]


@pytest.mark.parametrize(
    "completion, expected",
    [
        (GOOD, 1.0),  # all four tags; ending at EOS costs nothing (the reference counter charged for it)
        (GOOD + "\n", 1.0),  # a final newline costs nothing
        (GOOD + "\n" + "x" * 100, 0.9),  # 100 characters after </answer>: -0.1
        (GOOD + "\n" + "x" * 10_000, 0.75),  # the penalty is capped at 0.25
        ("<reasoning>\nthinking", 0.25),  # one tag: some gradient for a cold model
        ("<reasoning>\nx\n</reasoning>\n", 0.5),  # two tags
        (GOOD + "\n" + GOOD, 0.0),  # every tag twice: nothing
        ("7", 0.0),  # nothing
    ],
)
def test_xml_count(completion, expected):
    assert xml_count([completion]) == [pytest.approx(expected)]
