"""What an answer is worth: normalisation (units, $, thousands commas, LaTeX wrappers), its value read by
grpo_math.safe_math (bounded, never evaluated), and equivalence of two answers by value."""

import re
import unicodedata
from fractions import Fraction
from functools import lru_cache

from grpo_math.grading.text import BOXED, MAX_ANSWER, closing_brace
from grpo_math.safe_math import read_math

_UNICODE = str.maketrans(
    {"−": "-", "–": "-", "×": "*", "÷": "/", "·": "*", "π": "\\pi ", "√": "\\sqrt", "∞": "\\infty ", "\u00a0": " "}
)
_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))
_ROOT_DIGITS = re.compile(r"√\s*(\d+(?:\.\d+)?)")
_SPACING = re.compile(r"\\(?:left|right|displaystyle|[!,;: ])|~")
_TEXT = re.compile(r"\\(?:text|textbf|textrm|mathrm|mathbf|mbox)\s*\{([^{}]*)\}")
_DROP = re.compile(r"\^\s*\{?\\circ\}?|°|\\circ|\\?%|\\?\$")
_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d])", re.ASCII)
# Trailing unit words after a number: "18 dollars", "5 km/h", "3 cm^2"; one letter only after a space ("3x" stays).
_UNITS = re.compile(r"(?<=[\d})])(?:\s*[a-zA-Z]{2,}|\s+[a-zA-Z])(?:[ /.-]+[a-zA-Z]+)*\.?(?:\^\{?\d\}?)?$", re.ASCII)
_FRAC_DIGITS = re.compile(r"\\frac\s*(\d)\s*(\d)|\\frac\s*(\d)(?=\s*\{)|\\sqrt\s*(\d)")
_TRAILING_ZEROS = re.compile(r"^(-?\d+)(?:\.0*|(\.\d*?)0+)$", re.ASCII)


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


_SIMPLE = re.compile(r"-?[0-9]{1,50}")
_EQUALS = re.compile(r"=|\\approx|≈")


def normalize_answer(s: str) -> str:
    r"""An answer in canonical text: '$1,000.00' -> '1000', '\text{18 dollars}.' -> '18', 'x = \dfrac{3}{4}' -> '\frac{3}{4}'.

    Drops math delimiters, \boxed, \text, \left/\right, spacing, `$`, `%`, degrees, thousands separators, trailing
    unit words and full stops, a leading 'x =', and a trailing '.0'. Idempotent; never parses.
    """
    s = str(s).strip()
    if _SIMPLE.fullmatch(s):  # most golds and answers: nothing to do
        return s
    return _normalize_cached(s) if len(s) <= 4 * MAX_ANSWER else _normalize(s)


@lru_cache(maxsize=16384)
def _normalize_cached(s: str) -> str:
    return _normalize(s)


def _normalize(s: str) -> str:
    s = _unwrap(_ROOT_DIGITS.sub(r"\\sqrt{\1}", _ascii_digits(str(s))).translate(_UNICODE).strip().strip("*_ "))
    s = _TEXT.sub(r"\1", _SPACING.sub(" ", s)).replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    s = _DROP.sub("", s.replace("{,}", ","))
    s = _EQUALS.split(s)[-1] or s
    s = _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), s)
    s = _UNITS.sub("", s.strip().rstrip(".").strip()).rstrip(".").strip()
    s = _FRAC_DIGITS.sub(_frac_digits, _unwrap(s))
    s = _TRAILING_ZEROS.sub(lambda m: m.group(1) + (m.group(2) or ""), s)
    return " ".join(s.split())


def _frac_digits(m) -> str:
    if m.group(1):
        return f"\\frac{{{m.group(1)}}}{{{m.group(2)}}}"
    return f"\\frac{{{m.group(3)}}}" if m.group(3) else f"\\sqrt{{{m.group(4)}}}"


# ---------------------------------------------------------------- value (read by grpo_math.safe_math)


@lru_cache(maxsize=16384)
def _parse_normalized(s: str):
    """read_math, cached: a gold is read once per problem, not once per completion."""
    return read_math(s)


def parse_answer(s: str):
    """(value, decimal places written) for an answer string, or None: a Fraction, or a sympy number/Tuple/Interval."""
    s = str(s)
    return None if len(s) > 4 * MAX_ANSWER else _parse_normalized(normalize_answer(s))


# ---------------------------------------------------------------- equivalence


def answers_match(pred: str | None, gold: str) -> bool | None:
    r"""Is `pred` the same answer as `gold`? None when the gold itself is unparseable; False when pred is None.

    Integers and terminating decimals compare exactly (18 = 18.0 = $18 = 18 dollars); fractions and expressions by
    value (3/4 = 0.75 = \frac{3}{4}); a decimal with >= 2 places matches an irrational or repeating value it rounds
    from (0.33 ~ 1/3, 3.14 ~ \pi); tuples element-wise; intervals by ends and openness.
    """
    gold_parsed = parse_answer(gold)
    if gold_parsed is None:
        return None
    if pred is None:
        return False
    pred_parsed = parse_answer(pred)
    return pred_parsed is not None and _equal(pred_parsed, gold_parsed)


def _equal(a, b) -> bool:
    (x, px), (y, py) = a, b
    if isinstance(x, Fraction) and isinstance(y, Fraction):
        return x == y or _rounds_to(x, px, y) or _rounds_to(y, py, x)
    import sympy as sp

    x, y = (sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else v for v in (x, y))
    if isinstance(x, sp.Tuple) or isinstance(y, sp.Tuple):
        return (
            isinstance(x, sp.Tuple) and isinstance(y, sp.Tuple) and len(x) == len(y)
            and all(_equal((u, None), (v, None)) for u, v in zip(x, y))
        )  # fmt: skip
    if isinstance(x, sp.Interval) or isinstance(y, sp.Interval):
        return (
            isinstance(x, sp.Interval) and isinstance(y, sp.Interval)
            and (x.left_open, x.right_open) == (y.left_open, y.right_open)
            and _equal((x.left, None), (y.left, None)) and _equal((x.right, None), (y.right, None))
        )  # fmt: skip
    if not (isinstance(x, sp.Expr) and isinstance(y, sp.Expr)):
        return x == y
    if x == y:
        return True
    if x.is_Rational and y.is_Rational or x.is_infinite or y.is_infinite:
        return False
    if abs(sp.N(x - y, 30)) <= sp.Float("1e-20", 30) * max(1, abs(sp.N(x, 30))):  # same irrational, other form
        return True
    for (w, places), v in (((x, px), y), ((y, py), x)):  # 3.14 for pi
        if places and places >= 2 and w.is_Rational and w != 0 and not v.is_Rational:
            return bool(abs(sp.N(w - v, 30)) <= sp.Rational(1, 2 * 10**places))
    return False


def _rounds_to(written: Fraction, places: int | None, exact: Fraction) -> bool:
    """0.33 for 1/3: a decimal with >= 2 places, non-zero, that the repeating value rounds to."""
    if places is None or places < 2 or written == 0 or _terminates(exact):
        return False
    return abs(written - exact) <= Fraction(1, 2 * 10**places)


def _terminates(x: Fraction) -> bool:
    den = x.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    return den == 1
