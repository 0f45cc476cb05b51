r"""An answer as canonical text: what a reader of the math (grpo_math.safe_math) or a text comparison is given.

Regular expressions over bounded text; nothing is parsed or evaluated here.
"""

import re
import unicodedata
from functools import lru_cache

from grpo_math.grading.statements import values_of
from grpo_math.grading.text import BOXED, MAX_ANSWER, closing_brace

_UNICODE = str.maketrans(
    {
        "−": "-", "–": "-", "×": "*", "÷": "/", "·": "*", "π": "\\pi ", "√": "\\sqrt", "∞": "\\infty ",
        "\u00a0": " ", "≤": "\\le ", "≥": "\\ge ", "≠": "\\ne ", "∪": "\\cup ", "±": "\\pm ", "∈": "\\in ",
        "∅": "\\emptyset ",
    }
)  # fmt: skip
_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))
_ROOT_DIGITS = re.compile(r"√\s*(\d+(?:\.\d+)?)")
_THIN_SPACE_GROUPS = re.compile(r"(?<=\d),\s*\\!\s*(?=\d{3})")  # 11,\! 111,\! 100
_SPACING = re.compile(r"(?<!\\)\\(?:left|right|big|Big|bigg|Bigg|displaystyle|[!,;: ])|~|\\q?quad")
_TEXT = re.compile(r"\\(?:text|textbf|textrm|textit|mathrm|mathbf|mathit|mbox)\s*\{([^{}]*)\}")
_FRAC = re.compile(r"\\[dtc]frac")
_DROP = re.compile(r"\^\s*\{?\\circ\}?|°|\\circ|\\?%|\\?\$|[€£¥]")
_THOUSANDS = re.compile(r"(?<![\d.,])[1-9]\d{0,2}(?:,\d{3})+(?![\d])", re.ASCII)  # 1,000 (not 0,111: a decimal comma)
_BRACKETS = re.compile(r"[(\[;]|\\\{|\\cup")
_SPACE_THOUSANDS = re.compile(r"(?<![\d.,])[1-9]\d{0,2}(?: \d{3})+(?![\d])", re.ASCII)  # 1 000
# Trailing unit words after a number: "18 dollars", "5 km/h", "3 cm^2"; one letter only after a space ("3x" stays).
# A lone letter with a power is a unit only for areas and volumes ("5 r^5" is an expression).
_UNITS = re.compile(
    r"(?<=[\d})])(?:\s*[a-zA-Z]{2,}|\s+[a-zA-Z](?!\^\{?[^23]))(?:[ /.-]+[a-zA-Z]+)*\.?(?:\^\{?\d\}?)?$", re.ASCII
)
_FRAC_DIGITS = re.compile(r"\\frac\s*(\d)\s*(\d)|\\frac\s*(\d)(?=\s*\{)|\\sqrt\s*(\d)")
_TRAILING_ZEROS = re.compile(r"^(-?\d+)(?:\.0*|(\.\d*?)0+)$", re.ASCII)
_LETTER_IN_PARENS = re.compile(r"^\(\s*([A-Za-z])\s*\)$")  # (C) -> C: an option letter
_MEMBER_OF = re.compile(r"^[a-zA-Z](?:_\{?\w+\}?)?\s*\\in\s*")  # x \in [1, 2] -> [1, 2]
_APPROX = re.compile(r"\\approx|≈")
_EQUALS = re.compile(r"(?<![<>!=\\])=(?!=)")
_FUNCTION = r"[a-zA-Z]\([a-z](?:,\s*[a-z])*\)"  # f(x), g(a, b)
_FUNCTION_NAME = re.compile(r"^\s*" + _FUNCTION + r"\s*$")  # f(x) =
_LONE_NAME = re.compile(r"^\s*(?:[a-zA-Z](?:_\{?\w+\}?)?|\\[a-zA-Z]+|" + _FUNCTION + r"|[A-Za-z ]{4,})\s*$")
_COMMANDS = re.compile(r"\\[a-zA-Z]+")
# A command written with its backslash escaped once more ("\\\\frac" in a JSON-ish gold): the command. Only names
# a math answer uses, so a matrix's row break "\\\\" before a letter is left alone.
_DOUBLED = re.compile(
    r"(?<!\\)\\\\(?=(?:left|right|[dtc]?frac|sqrt|pi|cdot|times|infty|leq?|geq?|neq?|lt|gt|in|cup|cap|pm|mp|div|begin"
    r"|end|text|mathbf|mathrm|boxed|emptyset|circ|sin|cos|tan|log|ln)(?![a-zA-Z]))"
)
_AND = re.compile(r"^(-?\d+(?:\.\d+)?)\s+and\s+(-?\d+(?:\.\d+)?)$")  # "12 and 13" (from "12\text{ and }13"): a list
_GROUPED = re.compile(r"\s*\{\s*,\s*\}\s*(?=\d{3})")  # 14{,}916 and 14{, }916: LaTeX's thousands separator
_SIMPLE = re.compile(r"-?[0-9]{1,50}")


def normalize_answer(s: str) -> str:
    r"""An answer in canonical text: '$1,000.00' -> '1000', '\text{18 dollars}.' -> '18', 'x = \dfrac{3}{4}' -> '\frac{3}{4}'.

    Drops math delimiters, \boxed, \text, \left/\right, spacing, `$`, `%`, degrees, thousands separators (commas,
    spaces, `,\!`), trailing unit words and full stops, what follows an exact answer (`1/3 \approx 0.33`), a leading
    `x \in`, a label before `=` when the other side is a number ('x = 5', 'Total = 18', '9 + 9 = 18'), and a trailing
    '.0'. An equation between expressions ('2x + 4y = 3', 'y = 2x + 3') stays one. Idempotent; never parses.
    """
    s = str(s).strip()
    if _SIMPLE.fullmatch(s):  # most golds and answers: nothing to do
        return s
    return _normalize_cached(s) if len(s) <= 4 * MAX_ANSWER else _normalize(s)


@lru_cache(maxsize=16384)
def _normalize_cached(s: str) -> str:
    return _normalize(s)


def _normalize(s: str) -> str:
    s = _ROOT_DIGITS.sub(r"\\sqrt{\1}", _ascii_digits(str(s))).translate(_UNICODE).strip().strip('*_ "')
    s = _GROUPED.sub(",", _DOUBLED.sub(r"\\", s))
    s = _unwrap(_THIN_SPACE_GROUPS.sub(",", s))
    s = _TEXT.sub(r"\1", _SPACING.sub(" ", s))
    s = _FRAC.sub(r"\\frac", _DROP.sub("", s.replace("{,}", ",")))
    s = _one_side(values_of(_MEMBER_OF.sub("", s.strip())))
    if not _BRACKETS.search(s):  # "(12,102)" is a pair, "1,000" a thousand
        s = _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), s)
        s = _SPACE_THOUSANDS.sub(lambda m: m.group(0).replace(" ", ""), s)
    s = _without_units(s.strip().rstrip(".").strip()).rstrip(".").strip()
    s = _FRAC_DIGITS.sub(_frac_digits, _unwrap(s))
    s = _LETTER_IN_PARENS.sub(r"\1", _TRAILING_ZEROS.sub(lambda m: m.group(1) + (m.group(2) or ""), s))
    return _AND.sub(r"\1, \2", " ".join(s.split()))


def _one_side(s: str) -> str:
    """The answer an equation states: '1/3 \\approx 0.33' -> '1/3'; 'x \\approx 11' -> '11'; 'x = 2 + 3 = 5' -> '5';
    'x = 5' -> '5'; '9 + 9 = 18' -> '18'; 'f(x) = 2x' -> '2x'; '2x + 4y = 3', 'y = 2x + 3' and '7 = 11a + c' stay (an
    equation is the answer; equivalence compares them)."""
    exact, *approximate = _APPROX.split(s, maxsplit=1)
    if approximate:  # the exact value before it, unless that is only a name ("x \approx 11")
        s = approximate[0].strip() if _LONE_NAME.match(exact) or not exact.strip() else exact.strip()
    sides = _EQUALS.split(s)
    if len(sides) == 1 or not sides[-1].strip():
        return s
    if len(sides) > 2:  # a chain of working: its last value
        return sides[-1].strip()
    lhs, rhs = sides
    no_letters = lambda t: re.search(r"[a-zA-Z]", _COMMANDS.sub("", t)) is None
    if _FUNCTION_NAME.match(lhs) or ((no_letters(lhs) or _LONE_NAME.match(lhs)) and no_letters(rhs)):
        return rhs.strip()
    return s


def _without_units(s: str) -> str:
    """'18 dollars' -> '18', '3 cm^2' -> '3'; a variable after a term ('x^2 + 2 x') is not a unit."""
    bare = _UNITS.sub("", s)
    return bare if bare != s and re.search(r"[a-zA-Z]", _COMMANDS.sub("", bare)) is None else s


def _ascii_digits(s: str) -> str:
    """Unicode decimal digits (Arabic-Indic, fullwidth, ...) as ASCII; they mean the same number."""
    return s if s.isascii() else "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in s)


def _unwrap(s: str) -> str:
    r"""Peel whole-answer wrappers: $...$, \(...\), \[...\], \boxed{...}, {...}."""
    for _ in range(4):
        inner = next(
            (
                s[len(a) : -len(b)]
                for a, b in _DELIMITERS
                if len(s) > len(a) + len(b) and s.startswith(a) and s.endswith(b)
            ),
            None,
        )
        if inner is None and s.endswith("}"):
            m = BOXED.match(s) if s.startswith("\\") else None
            start = m.end() - 1 if m and not m.group(1) else 0 if s.startswith("{") else None
            if start is not None and closing_brace(s, start) == len(s) - 1:
                inner = s[start + 1 : -1]
        if inner is None:
            return s
        s = inner.strip()
    return s


def _frac_digits(m) -> str:
    if m.group(1):
        return f"\\frac{{{m.group(1)}}}{{{m.group(2)}}}"
    return f"\\frac{{{m.group(3)}}}" if m.group(3) else f"\\sqrt{{{m.group(4)}}}"


def squashed(s: str, text: bool = False) -> str:
    """An answer as text for a text comparison: normalised, without spaces. As `text` (\\text{Evelyn}, 204_{5}, what
    cannot be read as math) also without braces and in lower case."""
    s = "".join(normalize_answer(s).split())
    return s.replace("{", "").replace("}", "").lower() if text else s
