"""grpo_math.grading: extraction, normalisation, equivalence and format, as tables with one comment per case."""

import json
import re
from pathlib import Path

import pytest

from grpo_math.errors import RecipeError
from grpo_math.grading import (
    answers_match,
    completion_text,
    extract_answer,
    extract_choice,
    has_xml_format,
    normalize_answer,
    parse_options,
)

XML = "<reasoning>\nHe has 3 + 4 = 7.\n</reasoning>\n<answer>\n{}\n</answer>"


@pytest.mark.parametrize(
    "completion, expected",
    [
        ("hi", "hi"),  # plain string
        ([{"role": "assistant", "content": "hi"}], "hi"),  # TRL conversational completion
        ([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "a"),  # last assistant turn
        (
            [{"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}],
            "ab",
        ),  # parts
        ({"role": "assistant", "content": None}, ""),  # empty message
        (None, ""),  # nothing
    ],
)
def test_completion_text(completion, expected):
    assert completion_text(completion) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (XML.format("7"), "7"),  # the reference format
        ("<answer>\n7", "7"),  # cut off by the length limit: what was written so far
        ("<answer>7</answer> <answer>7.0</answer>", "7.0"),  # several spans that agree
        ("<answer>7</answer> <answer>8</answer>", None),  # spans that disagree: no answer (no hedging)
        ("<answer>\n\n</answer> The answer is 7", None),  # an empty span is the answer: nothing
        ("<answer>\nJanet makes $18 per day.\n</answer>", "18"),  # a sentence -> its last number
        ("<answer>\n\\boxed{18}\n</answer>", "18"),  # \boxed inside the span
        ("<answer>\n18 eggs\n</answer>", "18 eggs"),  # units stay for normalisation
        ("<answer>\n18 (9 + 9)\n</answer>", "18"),  # a trailing aside, not the product 18 * 18
        ("<answer>\n7 (not 18)\n</answer>", "7"),  # likewise
        ("<answer>\n2(3)\n</answer>", "2(3)"),  # without a space it is a product
        ("<answer>\n(3, 4)\n</answer>", "(3, 4)"),  # a tuple is no aside
        ("so \\boxed{\\frac{1}{2}} and then 3", "\\frac{1}{2}"),  # boxed before last number
        ("x \\boxed{a{b}c} y", "a{b}c"),  # braces matched
        ("\\boxed 5", "5"),  # \boxed without braces
        ("rationale\n#### 1,234", "1,234"),  # GSM8K's ####
        ("The answer is: 18 dollars. Then 3 more.", "18 dollars"),  # up to the end of its sentence
        ("Answer: 42", "42"),  # "Answer:" form
        ("16 - 3 - 4 = 9 eggs, 9 * 2 = 18", "18"),  # last number
        ("it was 16-3", "3"),  # a binary minus is no sign
        ("it is -3", "-3"),  # a sign is
        ("area 25 cm^2", "25"),  # an exponent is not the last number
        ("9**9**9**9", "9**9**9**9"),  # a power chain stays whole (and is then too big to grade)
        ("no numbers here", None),  # nothing
        ("", None),  # empty
    ],
)
def test_extract_answer(text, expected):
    assert extract_answer(text) == expected


@pytest.mark.parametrize(
    "text, fallbacks, latest_marker, expected",
    [
        ("so 18", ("boxed",), True, None),  # last_number not allowed
        ("\\boxed{6}\n#### 5", ("hash", "boxed"), False, "5"),  # without latest_marker: order given is order tried
        ("\\boxed{6}\n#### 5", ("boxed", "hash"), False, "6"),
        ("\\boxed{6}\n#### 5", ("boxed", "hash"), True, "5"),  # with it: the marker written last
        ("#### 5\n\\boxed{6}", ("hash", "boxed"), True, "6"),
        ("\\boxed{6}\n#### 5", ("boxed", "last_number"), True, "6"),  # only the listed markers compete
        ("<answer>\n7\n</answer> #### 5", (), True, "7"),  # the span needs no fallback
    ],
)
def test_extract_answer_fallbacks(text, fallbacks, latest_marker, expected):
    assert extract_answer(text, fallbacks, latest_marker) == expected


def test_unknown_fallback_is_a_recipe_error_with_did_you_mean():
    with pytest.raises(RecipeError, match="did you mean boxed"):
        extract_answer("x", ("boxd",))


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("$1,000.00", "1000"),  # currency, thousands, trailing .00
        ("\\$18", "18"),  # escaped dollar
        ("18.50", "18.5"),  # trailing zero
        ("18.", "18"),  # full stop
        ("\\text{18 dollars}.", "18"),  # \text and units
        ("5 km/h", "5"),  # compound unit
        ("3x", "3x"),  # one letter glued to a number is not a unit
        ("50\\%", "50"),  # percent
        ("90^\\circ", "90"),  # degrees
        ("x = \\dfrac{3}{4}", "\\frac{3}{4}"),  # assignment and \dfrac
        ("$\\frac12$", "\\frac{1}{2}"),  # \frac12 shorthand
        ("\\boxed{42}", "42"),  # \boxed
        ("**18**", "18"),  # markdown bold
        ("{18}", "18"),  # braces
        ("\\left( 1, 2 \\right)", "( 1, 2 )"),  # \left \right
        ("١٨", "18"),  # Arabic-Indic digits
        ("１８", "18"),  # fullwidth digits
        ("−5", "-5"),  # unicode minus
        ("√16", "\\sqrt{16}"),  # unicode root
    ],
)
def test_normalize_answer(raw, expected):
    assert normalize_answer(raw) == expected
    assert normalize_answer(expected) == expected  # idempotent


@pytest.mark.parametrize(
    "pred, gold, expected",
    [
        ("18", "18", True),  # same integer
        ("18.0", "18", True),  # trailing .0
        ("$18", "18", True),  # currency
        ("1,000", "1000", True),  # thousands separator
        ("18 dollars", "18", True),  # unit words
        ("1000001", "1000000", False),  # integers compare exactly, however large
        ("17.99", "18", False),  # no tolerance for a terminating decimal
        ("3/4", "0.75", True),  # fraction = decimal
        ("\\frac{3}{4}", "0.75", True),  # LaTeX fraction
        ("\\frac34", "3/4", True),  # \frac shorthand
        ("0.33", "\\frac{1}{3}", True),  # a rounded repeating decimal (2+ places)
        ("0.3", "\\frac{1}{3}", False),  # one place is too coarse
        ("0.13", "\\frac{1}{8}", False),  # 1/8 terminates: no rounding
        ("3.14", "\\pi", True),  # a rounded irrational
        ("2\\pi", "\\pi \\cdot 2", True),  # implicit product
        ("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", True),  # surds by value
        ("2\\sqrt{2}", "\\sqrt{8}", True),  # simplified surd
        ("4^{1/2}", "2", True),  # rational power
        ("2\\frac{1}{2}", "2.5", True),  # mixed number
        ("-2\\frac{1}{2}", "-5/2", True),  # negative mixed number
        ("2^{10}", "1024", True),  # power
        ("(1, 2)", "(1,2)", True),  # tuple
        ("(2, 1)", "(1,2)", False),  # order matters
        ("[1, 2)", "[1,2)", True),  # interval
        ("[1, 2]", "[1,2)", False),  # openness matters
        ("(-\\infty, 3]", "(-\\infty,3]", True),  # infinite end
        ("\\infty", "\\infty", True),  # infinity
        ("x", "18", False),  # unparseable prediction
        (None, "18", False),  # no prediction
        ("18", "x^2 + 1", False),  # a number is not an expression in x
        ("1 + x^2", "x^2 + 1", True),  # the same expression, terms in another order
        ("18", "", None),  # empty gold
        ("nan", "nan", True),  # NaN is no number here: the same text, never a float
        ("nan", "18", False),  # so it never equals a number
        ("inf", "18", False),  # nor is inf
        ("1/0", "18", False),  # division by zero
        ("\\sqrt{-1}", "18", False),  # not real
    ],
)
def test_answers_match(pred, gold, expected):
    assert answers_match(pred, gold) is expected


@pytest.mark.parametrize(
    "text, strict, expected",
    [
        (XML.format("7"), True, True),  # reference format, ends at EOS right after </answer>
        (XML.format("7") + "\n", True, True),  # one final newline
        ("<reasoning>\nline 1\nline 2\n</reasoning>\n<answer>\n7\n</answer>", True, True),  # multi-line reasoning
        (XML.format("7") + "\nMore text", True, False),  # text after the answer
        (XML.format("7") + "\nMore text", False, False),  # also when lenient
        (XML.format("7") + XML.format("7"), True, False),  # duplicated blocks
        (XML.format("7") + XML.format("7"), False, False),  # also when lenient
        ("<reasoning>x</reasoning> <answer>7</answer>", True, False),  # newlines missing: strict no
        ("<reasoning>x</reasoning> <answer>7</answer>", False, True),  # lenient yes
        ("  <reasoning>x</reasoning>\n\n<answer> 7 </answer>\n\n", False, True),  # lenient whitespace
        (XML.format(" "), True, False),  # empty answer
        ("Intro\n" + XML.format("7"), True, False),  # text before
        ("<answer>\n7\n</answer>", True, False),  # no reasoning
        (XML.format("<answer>7"), True, False),  # a tag inside the answer
    ],
)
def test_has_xml_format(text, strict, expected):
    assert has_xml_format(text, strict) is expected


OPTIONS = "a ) 12 , b ) 16 , c ) 18 , d ) 20 , e ) 24"


MATHQA_TEST = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mathqa" / "test.jsonl"


def test_parse_options():
    assert parse_options(OPTIONS) == {"a": "12", "b": "16", "c": "18", "d": "20", "e": "24"}
    assert parse_options(["a ) 1 : 2", "b ) 3 : 2"]) == {"a": "1 : 2", "b": "3 : 2"}  # list form, ratios


@pytest.mark.parametrize(
    "options, expected",
    [
        ("a ) 12 , b ) 16", {"a": "12", "b": "16"}),  # MathQA's own layout
        ("A ) 12 , B ) 16", {"a": "12", "b": "16"}),  # capital letters, keys lower-case
        ("a ) rs . 1,200 , b ) 1 : 2 , c ) ( 3 )", {"a": "rs . 1,200", "b": "1 : 2", "c": "( 3 )"}),  # commas, brackets
        (["a ) 10", "b ) 12.5"], {"a": "10", "b": "12.5"}),  # a real list
        ("['a ) 462 cm ²', 'b ) 400 cm ²']", {"a": "462 cm ²", "b": "400 cm ²"}),  # a list written out as text
        ("['a ) 25 / √ π', 'b ) 20']", {"a": "25 / √ π", "b": "20"}),  # likewise, non-ASCII values
        ("  ['a ) 1 : 8 .', 'b ) 1 : 2 .']  ", {"a": "1 : 8 .", "b": "1 : 2 ."}),  # likewise, with spaces around
        ('["a ) it\'s 5", "b ) 6"]', {"a": "it's 5", "b": "6"}),  # double-quoted items keep an apostrophe
        ("['a ) x', 'y', 'b ) 2']", {"a": "x', 'y", "b": "2"}),  # an item without a letter stays in the one before
        ("['__import__(\"os\")', 'b ) 2']", {"b": "2"}),  # read as text, never evaluated
        ("a ) a ) 4 inches , b ) b ) 6 inches", {"a": "4 inches", "b": "6 inches"}),  # repeated letter dropped
        ("a ) 124 % , b ) b ) 120 %", {"a": "124 %", "b": "120 %"}),  # only some options repeat it
        ("['a ) a ) 4', 'b ) b ) 6']", {"a": "4", "b": "6"}),  # list text and repeated letter together
        ("a ) a . 0.6 , b ) b . 1", {"a": "0.6", "b": "1"}),  # repeated as "a ." before a number
        ("a ) 11 am . , b ) 12 p . m .", {"a": "11 am .", "b": "12 p . m ."}),  # letters that are the value stay
        ("a ) a . m . , b ) b", {"a": "a . m .", "b": "b"}),  # "a ." not before a number is the value
        ("a ) b ) 5 , c ) 6", {"a": "b ) 5", "c": "6"}),  # another letter is no repeat
        ("12 , 16 , 18", {}),  # no letters
        ("[]", {}),  # an empty list
    ],
)
def test_parse_options_table(options, expected):
    assert parse_options(options) == expected


@pytest.mark.skipif(not MATHQA_TEST.is_file(), reason="no shared MathQA test file")
def test_parse_options_reads_every_mathqa_test_row():
    with MATHQA_TEST.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    assert len(rows) == 1000
    bad = [
        row["options"]
        for row in rows
        if sorted(parsed := parse_options(row["options"])) != list("abcde")
        or not all(parsed.values())
        or any(re.match(r"[a-e]\s*\)", v) for v in parsed.values())
    ]
    assert bad == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("c", "c"),  # bare letter
        ("(C)", "c"),  # parenthesised capital
        ("C) 18", "c"),  # letter and value
        ("Option C", "c"),  # "Option X"
        ("Reasoning...\nThe answer is (c).", "c"),  # the mathqa prompt's own format
        ("<answer>\nc\n</answer>", "c"),  # XML span
        ("Let me see.\nThe answer is 18.", "c"),  # the value, unambiguous
        ("The answer is C.", "c"),  # capital letter after "the answer is"
        ("It is (a) or (c).", None),  # two different letters
        ("The answer is 17.", None),  # a value no option has
        ("I am not sure.", None),  # nothing
        ("<answer>a</answer><answer>c</answer>", None),  # disagreeing spans
        ("", None),  # empty
    ],
)
def test_extract_choice(text, expected):
    assert extract_choice(text, OPTIONS) == expected


def test_extract_choice_by_value_needs_a_unique_option():
    assert extract_choice("The answer is 12.", "a ) 12 , b ) 12 , c ) 3") is None
