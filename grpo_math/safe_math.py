r"""A safe reader for the math in an answer: model text is data, never code, so it is never evaluated.

A model's answer ("\frac{3}{4}", "2\sqrt{2}", "(-\infty, 3]") has to become a value to be compared with the gold. The
usual ways, eval / sympify / parse_expr, run the model's text as Python, and a power tower or a factorial bomb hangs
them; a timeout would need `signal`, which works only in a process's main thread (not in reward threads) and not on
Windows. So this module reads math itself, with one job: text in, exact value out.

- A tokenizer and a recursive-descent parser that know only numbers, + - * / ^, \frac, \sqrt, \pi, \infty,
  \cdot, \times, \div, brackets, tuples and intervals; anything else is Unparseable.
- Values are computed exactly with `fractions.Fraction`; only what is not rational (pi, surds, infinity, tuples,
  intervals) becomes sympy objects, built from the parse tree node by node (Rational, pi, Pow, Tuple, Interval),
  never from text.
- Every step is bounded by size, not by time: input length, digits per number, nesting depth, exponent and bits of
  every intermediate value. A parse is therefore fast whatever it is given, and needs no `signal`.

`read_math(s)` is the entry point; grpo_math.grading normalises an answer and then calls it.
"""

import math
import operator
import re
from fractions import Fraction

MAX_LENGTH = 500  # characters of (normalised) text read at all
MAX_DIGITS = 1000  # digits in one number literal
MAX_BITS = 4000  # size of any exact intermediate value (about 1200 digits)
MAX_EXPONENT = 10_000
MAX_DEPTH = 40  # bracket / sign nesting


class Unparseable(ValueError):
    """Not math this parser reads, or too big to compute safely."""


class _NeedSympy(Exception):
    """The value is not rational (pi, a surd, infinity) or not a number (tuple, interval)."""


_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)(?:[eE]([-+]?\d+))?|(\*\*|[-+*/^(),\[\]{}])|\\([a-zA-Z]+))", re.ASCII)
_COMMANDS = {"frac", "sqrt", "pi", "infty", "cdot", "times", "div"}


def _tokenize(s: str) -> list:
    tokens, pos = [], 0
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m:
            if s[pos:].isspace():
                break
            raise Unparseable(s[pos : pos + 10])
        pos = m.end()
        number, exponent, op, command = m.groups()
        if number is not None:
            if len(number) > MAX_DIGITS or (exponent and abs(int(exponent)) > MAX_DIGITS):
                raise Unparseable("number too long")
            value = Fraction(number) * Fraction(10) ** int(exponent or 0)
            places = len(number.partition(".")[2]) if "." in number and not exponent else None
            tokens.append(("num", value, places))
        elif op is not None:
            tokens.append("^" if op == "**" else op)
        elif command in _COMMANDS:
            tokens.append({"cdot": "*", "times": "*", "div": "/"}.get(command, command))
        else:
            raise Unparseable(command)
    return tokens


class _Parser:
    """Recursive descent over the tokens; builds a tuple tree. Precedence: , < + - < * / (implicit *) < unary < ^."""

    def __init__(self, tokens: list):
        self.tokens, self.i, self.depth = tokens, 0, 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, *expected):
        tok = self.peek()
        if tok is None or (expected and tok not in expected):
            raise Unparseable(f"expected {expected}")
        self.i += 1
        return tok

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unparseable("nested too deeply")

    def top(self):
        items = [self.expr()]
        while self.peek() == ",":
            self.take()
            items.append(self.expr())
        if self.peek() is not None:
            raise Unparseable("trailing tokens")
        return items[0] if len(items) == 1 else ("tuple", items)

    def expr(self):
        node = self.term()
        while self.peek() in ("+", "-"):
            node = (self.take(), node, self.term())
        return node

    def term(self):
        node = self.unary()
        while True:
            tok = self.peek()
            if tok in ("*", "/"):
                self.take()
                node = (tok, node, self.unary())
            elif tok in ("(", "{", "frac", "sqrt", "pi", "infty"):  # implicit product: 2\pi, 3\sqrt{2}, 2(3+1)
                rhs = self.power()
                whole = node[1] if node[0] == "neg" else node
                if rhs[0] == "frac" and _int_literals(whole, rhs[1], rhs[2]):  # 2\frac{1}{2} is the mixed number 5/2
                    node = ("neg", ("+", whole, rhs)) if whole is not node else ("+", node, rhs)
                else:
                    node = ("*", node, rhs)
            else:
                return node

    def unary(self):
        if self.peek() in ("+", "-"):
            sign = self.take()
            self.nest()
            operand = self.unary()
            self.depth -= 1
            return ("neg", operand) if sign == "-" else operand
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek() == "^":
            self.take()
            self.nest()
            exponent = self.atom() if self.peek() == "{" else self.unary()  # right-associative: 2^3^2 = 2^9
            self.depth -= 1
            return ("^", base, exponent)
        return base

    def atom(self):
        """A number, constant, bracketed group, tuple/interval, or command with its {arguments}."""
        tok = self.take()
        if isinstance(tok, tuple):
            return tok
        if tok in ("(", "[", "{"):
            self.nest()
            items = [self.expr()]
            while tok != "{" and self.peek() == ",":
                self.take()
                items.append(self.expr())
            close = self.take({"(": ")", "[": "]", "{": "}"}[tok]) if len(items) == 1 else self.take(")", "]")
            self.depth -= 1
            if len(items) == 1:
                return items[0]
            if tok == "(" and close == ")":
                return ("tuple", items)
            if len(items) != 2:
                raise Unparseable("an interval has two ends")
            return ("interval", items[0], items[1], tok == "(", close == ")")
        if tok == "frac":
            return ("frac", self.atom(), self.atom())
        if tok == "sqrt":
            index = 2
            if self.peek() == "[":
                self.take()
                n = self.take()
                self.take("]")
                if not (isinstance(n, tuple) and n[1].denominator == 1 and 2 <= n[1] <= 16):
                    raise Unparseable("root index")
                index = int(n[1])
            return ("root", self.atom(), index)
        if tok in ("pi", "infty"):
            return (tok,)
        raise Unparseable(f"unexpected {tok!r}")


def _int_literals(*nodes) -> bool:
    return all(n[0] == "num" and n[1].denominator == 1 and n[2] is None for n in nodes)


def _bounded(x: Fraction) -> Fraction:
    if x.numerator.bit_length() > MAX_BITS or x.denominator.bit_length() > MAX_BITS:
        raise Unparseable("value too large")
    return x


def _check_power(base_bits: int, exponent: Fraction) -> None:
    if abs(exponent.numerator) > MAX_EXPONENT or exponent.denominator > 16 or base_bits * abs(exponent) > MAX_BITS:
        raise Unparseable("power too large")


def _rational(node) -> Fraction:
    """Exact value with Fractions; _NeedSympy for pi, surds, infinity, tuples and intervals."""
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
    raise _NeedSympy


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
    """The value as sympy objects built node by node from the tree (never from text), each step size-checked."""
    import sympy as sp

    kind = node[0]
    if kind == "num":
        return sp.Rational(node[1].numerator, node[1].denominator)
    if kind == "pi":
        return sp.pi
    if kind == "infty":
        return sp.oo
    if kind == "tuple":
        return sp.Tuple(*(_symbolic(n) for n in node[1]))
    if kind == "interval":
        return sp.Interval(_number(node[1]), _number(node[2]), node[3], node[4])
    if kind == "neg":
        return _finite_or_inf(-_number(node[1]))
    if kind in ("+", "-", "*", "/", "frac"):
        return _finite_or_inf(_arithmetic(kind, _number(node[1]), _number(node[2])))
    if kind == "^":
        base, exponent = _number(node[1]), _number(node[2])
        if not exponent.is_Rational:
            raise Unparseable("irrational exponent")
        bits = base.p.bit_length() + base.q.bit_length() if base.is_Rational else 64
        _check_power(bits, Fraction(int(exponent.p), int(exponent.q)))
        return _finite_or_inf(sp.Pow(base, exponent))
    if kind == "root":
        x = _number(node[1])
        if x.is_Rational and (x.p.bit_length() > 256 or x.q.bit_length() > 256):
            raise Unparseable("root of a huge number")
        return _finite_or_inf(sp.root(x, node[2]))
    raise Unparseable(kind)


def _number(node):
    import sympy as sp

    value = _symbolic(node)
    if not isinstance(value, sp.Expr) or isinstance(value, sp.Tuple):
        raise Unparseable("not a number")
    return value


def _finite_or_inf(value):
    import sympy as sp

    if value.has(sp.nan, sp.zoo, sp.I) or value.is_extended_real is False:
        raise Unparseable("not a real number")
    if value.is_Rational and (value.p.bit_length() > MAX_BITS or value.q.bit_length() > MAX_BITS):
        raise Unparseable("value too large")
    return value


_PLAIN = re.compile(rf"[-+]?\d{{1,{MAX_DIGITS}}}(?:\.(\d{{0,{MAX_DIGITS}}}))?", re.ASCII)


def read_math(s: str):
    r"""(value, decimal places written) for math text, or None when it is not math this module reads or too large.

    The value is a Fraction, or a sympy number / Tuple / Interval. Decimal places are those of a single written
    number ("0.33" -> 2; "1/3" -> None): a rounded decimal may then match the exact value it rounds from.

    >>> read_math("0.75")
    (Fraction(3, 4), 2)
    >>> read_math("2\\frac{1}{2}")
    (Fraction(5, 2), None)
    >>> read_math("__import__('os')") is None
    True
    """
    if not s or len(s) > MAX_LENGTH:
        return None
    m = _PLAIN.fullmatch(s)
    if m:  # fast path: a plain number, no tokenizer, no sympy
        return Fraction(s), (len(m.group(1)) if m.group(1) is not None else None)
    try:
        tree = _Parser(_tokenize(s)).top()
        places = tree[2] if tree[0] == "num" else None
        try:
            return _rational(tree), places
        except _NeedSympy:
            return _symbolic(tree), None
    except (Unparseable, ArithmeticError, RecursionError, TypeError, ValueError, AttributeError):
        return None
