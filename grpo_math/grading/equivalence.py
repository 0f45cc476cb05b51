r"""Is a predicted answer the gold? Both are normalised (grading/normalize.py), read into trees by grpo_math.safe_math
(bounded, never evaluated), and compared by what they mean:

    numbers            exactly (18 = 18.0 = $18; 3/4 = 0.75 = \frac{3}{4}); a decimal with >= 2 places matches an
                       irrational or repeating value it rounds from (0.33 ~ 1/3, 3.14 ~ \pi)
    expressions        as functions of their variables, by value at sample points (grading/identity.py)
    relations          equations and inequalities up to a constant factor (2x+4y-3=0 = y=-\frac12x+\frac34,
                       -x > -1 = x < 1); 'y = 2x+3' also states the expression 2x+3; a one-variable inequality is
                       the interval it describes (x \le 5 = (-\infty, 5])
    collections        tuples and vectors in order; bare lists, \{sets\} and a \pm b in any order; a sum or
                       product of matrices is the matrix it makes (grading/matrices.py)
    sets of reals      intervals, \{points\} and their \cup, part by part
    text               what the reader cannot read as math (\text{Evelyn}, 204_5) compares as normalised text

None is kept for a gold that cannot be judged (empty); a prediction that cannot be read is simply wrong.
"""

import re
from functools import lru_cache

from grpo_math.grading.extract import extract_answer, last_boxed
from grpo_math.grading.identity import proportional, variables
from grpo_math.grading.matrices import reduce_matrix
from grpo_math.grading.normalize import normalize_answer, squashed
from grpo_math.grading.numbers import equal_numbers, same_scalar
from grpo_math.grading.text import MAX_ANSWER, MAX_SCAN
from grpo_math.safe_math import MAX_ITEMS, is_number, number_value, read_tree

_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
_STATED = re.compile(r"####|\banswer(?:\s+is\b|\s*:)", re.IGNORECASE)
_SETS = {"interval", "union", "reals", "empty"}
_NEG_INF, _INF = ("neg", ("infty",)), ("infty",)


@lru_cache(maxsize=16384)
def _tree(normalized: str):
    """read_tree, cached: a gold is read once per problem, not once per completion."""
    return read_tree(normalized)


def parse_answer(s: str):
    """(value, decimal places written) when the answer is a number (a Fraction or a sympy number), else None."""
    s = str(s)
    return None if len(s) > 4 * MAX_ANSWER else number_value(_tree(normalize_answer(s)))


def answers_match(pred: str | None, gold: str) -> bool | None:
    r"""Is `pred` the same answer as `gold`? None when the gold is empty or too long to judge; False when pred is None.

    See the module docstring for what "the same" means for numbers, expressions, relations, collections and sets.
    """
    gold = str(gold)
    if "\\boxed" in gold or "\\fbox" in gold:  # a whole worked solution as the gold: its boxed answer
        gold = last_boxed(gold[-MAX_SCAN:]) or gold
    elif len(gold) > MAX_ANSWER and _STATED.search(gold):  # a worked solution ending "Final Answer: ... is X"
        gold = extract_answer(gold, ("hash", "answer_is")) or gold
    if len(gold) > 4 * MAX_ANSWER or not (g := normalize_answer(gold)):
        return None
    if pred is None or len(str(pred)) > 4 * MAX_ANSWER:
        return False
    p = normalize_answer(str(pred))
    if not p:
        return False
    gold_tree, pred_tree = _tree(g), _tree(p)
    if gold_tree is not None and pred_tree is not None and gold_tree[0] == pred_tree[0] == "num":
        return _same(pred_tree, gold_tree)
    if squashed(p) == squashed(g):
        return True
    if gold_tree is None or pred_tree is None:  # text answers: equal as text or not at all
        return squashed(p, text=True) == squashed(g, text=True)
    try:
        if _same(pred_tree, gold_tree):
            return True
    except _TooManyValues:
        return False
    # "1000,99" and "0,111": a decimal comma, when read as a list it does not match a number
    for side in (p, g):
        if _DECIMAL_COMMA.fullmatch(side):
            comma = _tree(side.replace(",", "."))
            if comma is not None and _same(comma if side is p else pred_tree, comma if side is g else gold_tree):
                return True
    return False


def _same(x, y) -> bool:
    if x[0] == "num" and y[0] == "num":  # most answers: two written numbers
        return equal_numbers(x[1], x[2], y[1], y[2])
    if x[0] in ("+", "-", "*") or y[0] in ("+", "-", "*"):  # a sum or product of matrices: the matrix it is
        mx, my = reduce_matrix(x), reduce_matrix(y)
        if (mx is not None or my is not None) and (mx or x)[0] == (my or y)[0] == "matrix":
            x, y = mx or x, my or y
    if x[0] == "rel" or y[0] == "rel":
        return _same_relation(x, y)
    if x[0] in _SETS or y[0] in _SETS:
        return _same_set(x, y)
    ex, ey = _elements(x), _elements(y)
    if "matrix" in (x[0], y[0]) and (ex is None or ey is None):  # not a vector: same shape, same entries
        return x[0] == y[0] and len(x[1]) == len(y[1]) and all(_same_ordered(r, s) for r, s in zip(x[1], y[1]))
    if ex is None and ey is None:
        return same_scalar(x, y)
    (ordered_x, items_x), (ordered_y, items_y) = ex or (False, (x,)), ey or (False, (y,))
    if {x[0], y[0]} & {"set"} and ordered_x != ordered_y:  # \{0, 1\} is not the pair (0, 1)
        return False
    if ordered_x or ordered_y:
        return _same_ordered(items_x, items_y)
    return _same_unordered(items_x, items_y)


def _elements(t):
    """(ordered, items) for a collection, None for a scalar (a matrix that is not a vector is neither)."""
    kind = t[0]
    if kind == "tuple":
        return True, t[1]
    if kind == "matrix":
        rows = t[1]
        if len(rows) == 1 or all(len(r) == 1 for r in rows):  # a row or column vector is its entries in order
            return True, tuple(e for r in rows for e in r)
        return None
    if kind in ("list", "set"):
        return False, tuple(v for item in t[1] for v in _variants(item))
    if kind == "*" and t[2][0] == "matrix" and t[1][0] not in ("matrix", "tuple"):  # \frac{1}{49} (16, 48, 24)
        scaled = _elements(t[2])
        return None if scaled is None else (True, tuple(("*", t[1], e) for e in scaled[1]))
    variants = _variants(t)
    return (False, variants) if len(variants) > 1 else None


class _TooManyValues(ValueError):
    """More than 4 values from \\pm signs: not an answer anyone writes; never compared by a part of its values."""


def _variants(t) -> tuple:
    """A tree with \\pm as its values: 1 \\pm \\sqrt{2} -> (1 + \\sqrt{2}, 1 - \\sqrt{2}); at most 4."""
    if not isinstance(t, tuple) or not t or not isinstance(t[0], str):
        return (t,)
    if t[0] == "pm":
        a, b = t[1], t[2]
        ends = (b, ("neg", b)) if a is None else (("+", a, b), ("-", a, b))
        return _at_most_4(tuple(v for e in ends for v in _variants(e)))
    if t[0] in ("list", "set", "tuple", "matrix", "rel", "union", "interval"):
        return (t,)
    out = [()]
    for child in t[1:]:
        choices = _variants(child) if isinstance(child, tuple) else (child,)
        out = _at_most_4([o + (c,) for o in out for c in choices])
    return tuple((t[0], *o) for o in out)


def _at_most_4(values):
    if len(values) > 4:
        raise _TooManyValues
    return values


def _same_ordered(a, b) -> bool:
    return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))


def _same_unordered(a, b) -> bool:
    """Every item matched to its own equal (greedy: equality is transitive). A solution tuple listed twice is one
    solution; a number listed twice is not the same list (a double root)."""
    if len(a) > MAX_ITEMS or len(b) > MAX_ITEMS:
        return False
    if all(t[0] == "tuple" for t in (*a, *b)):
        a, b = _distinct(a), _distinct(b)
    if len(a) != len(b):
        return False
    left = list(b)
    for u in a:
        j = next((j for j, v in enumerate(left) if _same(u, v)), None)
        if j is None:
            return False
        left.pop(j)
    return True


def _distinct(items) -> list:
    out = []
    for item in items:
        if not any(_same(item, kept) for kept in out):
            out.append(item)
    return out


# ---------------------------------------------------------------- relations


_FLIP = {">": "<", ">=": "<="}


def _simple_relations(rel) -> list[tuple]:
    """A chain a < b <= c as (op, a - b) pairs with op in = < <= !=: a > b becomes b - a < 0."""
    sides, ops = rel[1], rel[2]
    out = []
    for lhs, op, rhs in zip(sides, ops, sides[1:]):
        if op in _FLIP:
            lhs, rhs, op = rhs, lhs, _FLIP[op]
        out.append((op, ("-", lhs, rhs)))
    return out


def _same_relation(x, y) -> bool:
    if x[0] == "rel" and y[0] == "rel":
        rx, ry = _simple_relations(x), _simple_relations(y)
        if len(rx) == len(ry) and all(
            any(o1 == o2 and proportional(f1, f2, positive=o1 in ("<", "<=")) for o2, f2 in ry) for o1, f1 in rx
        ):
            return True
        ix, iy = _as_interval(x), _as_interval(y)
        return ix is not None and iy is not None and _same_set(ix, iy)
    rel, other = (x, y) if x[0] == "rel" else (y, x)
    sides, ops = rel[1], rel[2]
    if ops == ("=",):  # y = 2x + 3 states 2x + 3
        for name, value in ((sides[0], sides[1]), (sides[1], sides[0])):
            if name[0] == "sym" and name[1] not in variables(value) and _same(value, other):
                return True
        return False
    interval = _as_interval(rel)
    return interval is not None and other[0] in _SETS | {"tuple"} and _same_set(interval, other)


def _as_interval(rel):
    """x < 3 -> (-oo, 3); 1 <= x < 3 -> [1, 3); x != 5 -> (-oo, 5) U (5, oo); None when not one variable alone."""
    sides, ops = rel[1], rel[2]
    names = [i for i, s in enumerate(sides) if s[0] == "sym"]
    if len(names) != 1 or not all(is_number(s) for i, s in enumerate(sides) if i != names[0]):
        return None
    i = names[0]
    lo, hi, lo_open, hi_open = _NEG_INF, _INF, True, True
    for j, op in ((i - 1, ops[i - 1] if i > 0 else None), (i + 1, ops[i] if i < len(ops) else None)):
        if op is None:
            continue
        bound, strict = sides[j], op in ("<", ">", "!=")
        if op == "!=":
            return ("union", (("interval", _NEG_INF, bound, True, True), ("interval", bound, _INF, True, True)))
        if op == "=":
            return ("set", (bound,))
        upper = (op in ("<", "<=")) == (j > i)  # x < 3, or 3 > x
        if upper:
            hi, hi_open = bound, strict
        else:
            lo, lo_open = bound, strict
    return ("interval", lo, hi, lo_open, hi_open)


# ---------------------------------------------------------------- sets of reals


def _parts(t):
    """(intervals, points) of a set of reals, or None when t is not one."""
    kind = t[0]
    if kind == "union":
        intervals, points = [], []
        for p in t[1]:
            got = _parts(p)
            if got is None:
                return None
            intervals += got[0]
            points += got[1]
        return intervals, points
    if kind == "interval":
        return [t], []
    if kind == "reals":
        return [("interval", _NEG_INF, _INF, True, True)], []
    if kind == "empty":
        return [], []
    if kind == "tuple" and len(t[1]) == 2:  # (a, b): an open interval as much as a pair
        return [("interval", t[1][0], t[1][1], True, True)], []
    if kind == "rel":
        interval = _as_interval(t)
        return None if interval is None else _parts(interval)
    if kind in ("set", "list"):
        return [], [v for item in t[1] for v in _variants(item)]
    return None


def _same_set(x, y) -> bool:
    px, py = _parts(x), _parts(y)
    if px is None or py is None:
        return False
    (ix, pts_x), (iy, pts_y) = px, py
    return _same_unordered(pts_x, pts_y) and len(ix) == len(iy) and _same_intervals(ix, iy)


def _same_intervals(a, b) -> bool:
    left = list(b)
    for u in a:
        j = next((j for j, v in enumerate(left) if u[3:] == v[3:] and _same(u[1], v[1]) and _same(u[2], v[2])), None)
        if j is None:
            return False
        left.pop(j)
    return True
