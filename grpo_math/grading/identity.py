"""Are two expressions with variables the same function? Compared by value at sample points, never simplified.

`x^2+1` and `1+x^2`, `\\frac{\\pi r}{h+r}` and `\\pi r/(r+h)`, `2\\sin b\\cos a` and `\\sin(a+b)-\\sin(a-b)` agree at
every point; expressions that differ as functions differ at almost every point, so agreeing at a few generic points
(irrational-looking values, 40 significant digits) is the test (the Schwartz-Zippel idea, used by graders since
the 80s). Symbolic simplification would decide the same cases and can take unbounded time on hostile input; this
takes a number of operations bounded by the tree's size (the parser caps it), each on 40-digit numbers whose
magnitude is checked after every step. No signal, no threads, no sympy.

    same_function(a, b)         a = b as functions of their variables
    proportional(a, b, sign)    a = c * b for a constant c != 0 (c > 0 when sign): equations and inequalities
"""

import random
import threading

import mpmath

_PRECISION = 133  # bits: 40 decimal digits
_TOLERANCE = mpmath.mpf(10) ** -28
_HUGE = mpmath.mpf(2) ** 4000  # no answer's value is this large at a point in [0.3, 2.3]
_LOCAL = threading.local()


def _ctx():
    """This thread's own mpmath context: the process-wide one is never touched, and reward threads never share."""
    ctx = getattr(_LOCAL, "ctx", None)
    if ctx is None:
        ctx = _LOCAL.ctx = mpmath.MPContext()
        ctx.prec = _PRECISION
    return ctx


_POINTS = 4


class _Undefined(ArithmeticError):
    """The expression has no (finite) value at this point."""


_FUNCTIONS = {  # the parser's function names -> mpmath's
    "sin": "sin", "cos": "cos", "tan": "tan", "sec": "sec", "csc": "csc", "cot": "cot", "arcsin": "asin",
    "arccos": "acos", "arctan": "atan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "ln": "ln", "log": "ln",
    "exp": "exp",
}  # fmt: skip


def variables(node, found: set | None = None) -> set:
    found = set() if found is None else found
    if node[0] == "sym":
        found.add(node[1])
    for child in node[1:]:
        if isinstance(child, tuple) and child and isinstance(child[0], str):
            variables(child, found)
    return found


def _points(names: set) -> list[dict]:
    """The same generic points for the same variables in every call and process (seeded by the names)."""
    rng = random.Random(",".join(sorted(names)))
    ctx = _ctx()
    return [{n: ctx.mpf(rng.uniform(0.3, 2.3)) for n in sorted(names)} for _ in range(_POINTS)]


def _checked(z):
    if not _ctx().isfinite(z) or abs(z) > _HUGE:
        raise _Undefined
    return z


def evaluate(node, point: dict):
    """The value of an arithmetic tree at a point (complex where a root or log of a negative needs it)."""
    kind, ctx = node[0], _ctx()
    if kind == "num":
        return ctx.mpf(node[1].numerator) / node[1].denominator
    if kind == "sym":
        return point[node[1]]
    if kind == "pi":
        return +ctx.pi
    if kind == "neg":
        return -evaluate(node[1], point)
    if kind in ("+", "-", "*"):
        a, b = evaluate(node[1], point), evaluate(node[2], point)
        return _checked(a + b if kind == "+" else a - b if kind == "-" else a * b)
    if kind in ("/", "frac"):
        a, b = evaluate(node[1], point), evaluate(node[2], point)
        if abs(b) < _TOLERANCE:
            raise _Undefined
        return _checked(a / b)
    if kind == "^":
        base, exponent = evaluate(node[1], point), evaluate(node[2], point)
        if base == 0:
            raise _Undefined
        if abs(exponent * ctx.log(abs(base))) > 3000:  # checked before computing: no power tower is computed
            raise _Undefined
        return _checked(ctx.power(base, exponent))
    if kind == "root":
        return _checked(ctx.root(evaluate(node[1], point), node[2]))
    if kind == "fn":
        arg = evaluate(node[2], point)
        if node[1] == "exp" and abs(arg) > 3000:
            raise _Undefined
        try:
            return _checked(getattr(ctx, _FUNCTIONS[node[1]])(arg))
        except (ValueError, ZeroDivisionError) as e:
            raise _Undefined from e
    raise _Undefined(kind)  # infinity, collections, relations: not a value at a point


def _values(a, b, names) -> list[tuple]:
    pairs = []
    for point in _points(names):
        try:
            pairs.append((evaluate(a, point), evaluate(b, point)))
        except (_Undefined, ArithmeticError, ValueError, KeyError, RecursionError):
            continue
    return pairs


def _close(u, v) -> bool:
    return abs(u - v) <= _TOLERANCE * max(1, abs(u), abs(v))


def same_function(a, b) -> bool:
    """a = b at every sample point where both are defined (at least two of them)."""
    pairs = _values(a, b, variables(a) | variables(b))
    return len(pairs) >= 2 and all(_close(u, v) for u, v in pairs)


def proportional(a, b, positive: bool) -> bool:
    """a = c * b for one constant c != 0 at every sample point (c > 0 when `positive`): 2x+4y-3 and 4y+2x-3, or -x+1
    and 2-2x. Both zero everywhere (0 = 0) counts as proportional."""
    pairs = _values(a, b, variables(a) | variables(b))
    if len(pairs) < 2:
        return False
    ratio = None
    for u, v in pairs:
        if abs(v) <= _TOLERANCE or abs(u) <= _TOLERANCE:
            if not (abs(v) <= _TOLERANCE and abs(u) <= _TOLERANCE):
                return False
            continue
        r = u / v
        if ratio is None:
            ratio = r
        elif not _close(r, ratio):
            return False
    if ratio is None:
        return True
    if positive:
        return abs(mpmath.im(ratio)) <= _TOLERANCE and mpmath.re(ratio) > 0
    return True
