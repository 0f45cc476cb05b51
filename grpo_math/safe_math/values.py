r"""A number tree's exact value: `fractions.Fraction` while it is rational; pi, surds and infinity as sympy numbers
built node by node from the tree (Rational, pi, Pow), never from text; every intermediate value size-checked."""

import math
import operator
from fractions import Fraction

from grpo_math.safe_math.limits import MAX_BITS, MAX_EXPONENT, Unparseable
from grpo_math.safe_math.parser import read_tree


class _NeedSympy(Exception):
    """The value is not rational (pi, a surd, infinity)."""


def _bounded(x: Fraction) -> Fraction:
    if x.numerator.bit_length() > MAX_BITS or x.denominator.bit_length() > MAX_BITS:
        raise Unparseable("value too large")
    return x


def _check_power(base_bits: int, exponent: Fraction) -> None:
    if abs(exponent.numerator) > MAX_EXPONENT or exponent.denominator > 16 or base_bits * abs(exponent) > MAX_BITS:
        raise Unparseable("power too large")


def _rational(node) -> Fraction:
    """Exact value with Fractions; _NeedSympy for pi, surds and infinity."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "neg":
        return -_rational(node[1])
    if kind in ("+", "-", "*", "/", "frac"):
        return _bounded(_arithmetic(kind, _rational(node[1]), _rational(node[2])))
    if kind == "^":
        base, exponent = _rational(node[1]), _rational(node[2])
        _check_power(max(1, base.numerator.bit_length() + base.denominator.bit_length() - 1), exponent)
        if base == 0 and exponent < 0:
            raise Unparseable("division by zero")
        if exponent.denominator != 1:
            raise _NeedSympy
        return _bounded(base ** int(exponent))
    if kind == "root":
        x, n = _rational(node[1]), node[2]
        if x >= 0:
            num, den = _int_root(x.numerator, n), _int_root(x.denominator, n)
            if num is not None and den is not None:
                return Fraction(num, den)
    if kind in ("pi", "infty", "root", "^"):
        raise _NeedSympy
    raise Unparseable(f"not a number: {kind}")


_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "frac": operator.truediv}


def _arithmetic(kind: str, a, b):
    """One binary operation, the same for Fractions and sympy numbers; only the one asked for is computed."""
    if kind in ("/", "frac") and b == 0:
        raise Unparseable("division by zero")
    return _OPERATORS[kind](a, b)


def _int_root(x: int, n: int) -> int | None:
    """The exact integer n-th root of x, or None (then sympy decides)."""
    if x.bit_length() > 1000:
        return None
    guess = math.isqrt(x) if n == 2 else round(x ** (1 / n))
    return next((r for r in (guess - 1, guess, guess + 1) if r >= 0 and r**n == x), None)


def _symbolic(node):
    """The value as a sympy number built node by node from the tree (never from text), each step size-checked."""
    import sympy as sp

    kind = node[0]
    if kind == "num":
        return sp.Rational(node[1].numerator, node[1].denominator)
    if kind == "pi":
        return sp.pi
    if kind == "infty":
        return sp.oo
    if kind == "neg":
        return _finite_or_inf(-_symbolic(node[1]))
    if kind in ("+", "-", "*", "/", "frac"):
        return _finite_or_inf(_arithmetic(kind, _symbolic(node[1]), _symbolic(node[2])))
    if kind == "^":
        base, exponent = _symbolic(node[1]), _symbolic(node[2])
        if not exponent.is_Rational:
            raise Unparseable("irrational exponent")
        bits = base.p.bit_length() + base.q.bit_length() if base.is_Rational else 64
        _check_power(bits, Fraction(int(exponent.p), int(exponent.q)))
        return _finite_or_inf(sp.Pow(base, exponent))
    if kind == "root":
        x = _symbolic(node[1])
        if x.is_Rational and (x.p.bit_length() > 256 or x.q.bit_length() > 256):
            raise Unparseable("root of a huge number")
        return _finite_or_inf(sp.root(x, node[2]))
    raise Unparseable(kind)


def _finite_or_inf(value):
    import sympy as sp

    if value.has(sp.nan, sp.zoo, sp.I) or value.is_extended_real is False:
        raise Unparseable("not a real number")
    if value.is_Rational and (value.p.bit_length() > MAX_BITS or value.q.bit_length() > MAX_BITS):
        raise Unparseable("value too large")
    return value


NUMBER_KINDS = {"num", "neg", "+", "-", "*", "/", "frac", "^", "root", "pi", "infty"}


def is_number(node) -> bool:
    """A tree made only of numbers, constants and arithmetic (no variable, function, relation or collection)."""
    return node[0] in NUMBER_KINDS and all(is_number(c) for c in node[1:] if isinstance(c, tuple))


def exact_value(node):
    """A number tree's exact value: a Fraction, or a sympy number (pi, surds, infinity); Unparseable when too large."""
    try:
        return _rational(node)
    except _NeedSympy:
        return _symbolic(node)


def read_math(s: str):
    r"""(value, decimal places written) for a number, or None when the text is not a number this module reads.

    The value is a Fraction, or a sympy number (pi, surds, infinity). Decimal places are those of a single written
    number ("0.33" -> 2; "1/3" -> None): a rounded decimal may then match the exact value it rounds from.

    >>> read_math("0.75")
    (Fraction(3, 4), 2)
    >>> read_math("2\\frac{1}{2}")
    (Fraction(5, 2), None)
    >>> read_math("__import__('os')") is None
    True
    """
    return number_value(read_tree(s))


def number_value(tree):
    """(exact value, decimal places written) of a number tree; None for any other tree (or None, or too large)."""
    if tree is None or not is_number(tree):
        return None
    try:
        return exact_value(tree), (tree[2] if tree[0] == "num" else None)
    except (Unparseable, ArithmeticError, RecursionError, TypeError, ValueError, AttributeError):
        return None
