r"""Two numbers, or two expressions without structure, the same? Exact values compared exactly (18 = 18.0, 3/4 = 0.75,
2\sqrt{2} = \sqrt{8}); a decimal written with >= 2 places matches the irrational or repeating value it rounds from
(0.33 ~ 1/3, 3.14 ~ \pi, 0.87 ~ \sin(\pi/3)); a number with no exact value here (an irrational power) to 12
significant digits; expressions with variables by value at sample points (identity.py)."""

from fractions import Fraction
from functools import lru_cache

from grpo_math.grading.identity import evaluate, same_function, variables
from grpo_math.safe_math import exact_value, is_number


@lru_cache(maxsize=16384)
def exact(tree):
    try:
        return exact_value(tree)
    except (ArithmeticError, ValueError, TypeError, RecursionError):
        return None


def _places(tree):
    return tree[2] if tree[0] == "num" else None


def same_scalar(x, y) -> bool:
    if is_number(x) and is_number(y):
        vx, vy = exact(x), exact(y)
        if vx is not None and vy is not None:
            return equal_numbers(vx, _places(x), vy, _places(y))
        # no exact value (10^{\sqrt{13}/6}: an irrational power): the same when equal to 12 significant digits
        try:
            ax, ay = evaluate(x, {}), evaluate(y, {})
        except (ArithmeticError, ValueError, KeyError, RecursionError):
            return False
        return abs(ax - ay) <= 1e-12 * max(1, abs(ax))
    if same_function(x, y):
        return True
    # a rounded decimal for an exact value written with functions: 0.87 for \sin(\pi/3)
    for w, v in ((x, y), (y, x)):
        if w[0] == "num" and (w[2] or 0) >= 2 and not variables(v):
            try:
                return abs(evaluate(v, {}) - evaluate(w, {})) <= 0.5 * 10 ** -w[2]
            except (ArithmeticError, ValueError, KeyError, RecursionError):
                return False
    return False


def equal_numbers(x, px, y, py) -> bool:
    if isinstance(x, Fraction) and isinstance(y, Fraction):
        return x == y or _rounds_to(x, px, y) or _rounds_to(y, py, x)
    import sympy as sp

    x, y = (sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else v for v in (x, y))
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
