r"""A safe reader for the math in an answer: model text is data, never code, so it is never evaluated.

A model's answer ("\frac{3}{4}", "2\sqrt{2}", "x^2+1", "y = 2x + 3", "(-\infty, 3] \cup \{5\}", a pmatrix) has to
become something that can be compared with the gold. The usual ways, eval / sympify / parse_expr, run the model's text
as Python, and a power tower or a factorial bomb hangs them; a timeout would need `signal`, which works only in a
process's main thread (not in reward threads) and not on Windows. So this module reads math itself, with one job:
text in, a parse tree (and, for a number, its exact value) out.

- A tokenizer and a recursive-descent parser that know numbers, + - * / ^ and implicit products, \frac, \sqrt,
  \pi, \infty, \pm, letters and Greek letters as variables (x_1 with its subscript), \sin / \log / ... applied to an
  argument, relations (= < > \le \ge \neq, chained), brackets, tuples, bare lists, intervals, \{sets\}, \cup, and
  matrices (pmatrix, bmatrix, array); anything else is Unparseable.
- The tree is nested tuples of kinds and children. A number's value is computed exactly with `fractions.Fraction`;
  only what is not rational (pi, surds, infinity) becomes sympy objects, built from the tree node by node (Rational,
  pi, Pow), never from text. Variables and functions are never simplified symbolically: grading/identity.py
  compares such expressions by value at sample points.
- Every step is bounded by size, not by time: input length, digits per number, nesting depth, items per list,
  exponent and bits of every intermediate value. A parse is therefore fast whatever it is given, and needs no
  `signal`.

`read_math(s)` is the entry point; grpo_math.grading normalises an answer, calls it, and compares the results.
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
MAX_ITEMS = 64  # elements of one list, set, tuple, union or matrix

FUNCTIONS = {
    "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "ln", "log", "exp",
}  # fmt: skip
GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega",
}  # fmt: skip
_WORDS = {  # LaTeX commands that are operators or constants
    "frac": "frac", "sqrt": "sqrt", "pi": "pi", "infty": "infty", "cdot": "*", "times": "*", "div": "/",
    "pm": "pm", "mp": "mp", "cup": "cup", "le": "<=", "leq": "<=", "leqslant": "<=", "ge": ">=", "geq": ">=",
    "geqslant": ">=", "lt": "<", "gt": ">", "ne": "!=", "neq": "!=", "emptyset": "empty", "varnothing": "empty",
}  # fmt: skip
RELATIONS = ("=", "<", ">", "<=", ">=", "!=")

_TOKEN = re.compile(
    r"\s*(?:"
    r"(\d+(?:\.\d*)?|\.\d+)(?:[eE]([-+]?\d+))?"  # 1 2: a number, its exponent
    r"|(\\begin\{[pbBvV]?matrix\}|\\begin\{array\}\{[^{}]{0,40}\})"  # 3: a matrix opens
    r"|(\\end\{[pbBvV]?matrix\}|\\end\{array\})"  # 4: and closes
    r"|(\\mathbb\{R\})"  # 5: the real line
    r"|\\(\{|\}|\\)"  # 6: set braces, a matrix row break
    r"|(\*\*|<=|>=|!=|[-+*/^(),\[\]{}=<>_&])"  # 7: operators and brackets
    r"|\\(?:operatorname\{([a-z]+)\}|([a-zA-Z]+))"  # 8 9: commands
    r"|([a-zA-Z]+))",  # 10: letters
    re.ASCII,
)


class Unparseable(ValueError):
    """Not math this parser reads, or too big to compute safely."""


class _NeedSympy(Exception):
    """The value is not rational (pi, a surd, infinity)."""


def _tokenize(s: str) -> list:
    tokens, pos = [], 0
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m:
            if s[pos:].isspace():
                break
            raise Unparseable(s[pos : pos + 10])
        pos = m.end()
        number, exponent, begin, end, reals, escaped, op, opname, command, letters = m.groups()
        if number is not None:
            if len(number) > MAX_DIGITS or (exponent and abs(int(exponent)) > MAX_DIGITS):
                raise Unparseable("number too long")
            value = Fraction(number) * Fraction(10) ** int(exponent or 0)
            places = len(number.partition(".")[2]) if "." in number and not exponent else None
            tokens.append(("num", value, places))
        elif begin:
            tokens.append("matrix")
        elif end:
            tokens.append("endmatrix")
        elif reals:
            tokens.append("reals")
        elif escaped:
            tokens.append({"{": "{set", "}": "}set", "\\": "row"}[escaped])
        elif op is not None:
            tokens.append("^" if op == "**" else op)
        elif opname or command:
            word = opname or command
            if word in _WORDS:
                tokens.append(_WORDS[word])
            elif word in FUNCTIONS:
                tokens.append(("fn", word))
            elif word in GREEK:
                tokens.append(("sym", word))
            else:
                raise Unparseable(word)
        elif letters in FUNCTIONS:  # "sin x", "log 8" written without the backslash
            tokens.append(("fn", letters))
        elif len(letters) > 3:  # a word ("Evelyn", "even"): text, compared as text
            raise Unparseable("a word")
        else:  # "x", "ab" = a*b, "xyz"
            tokens += [("sym", c) for c in letters]
    return tokens


class _Parser:
    r"""Recursive descent over the tokens; builds a tree of tuples.

    Precedence, loosest first: bare list (,) < relation chain < \cup < a \pm b < + - < * / and implicit products <
    unary signs < ^. Bare lists are unordered (lists of solutions); parenthesised ones are ordered tuples.
    """

    def __init__(self, tokens: list):
        self.tokens, self.i, self.depth = tokens, 0, 0

    def peek(self, ahead: int = 0):
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

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

    def items(self, item, stop) -> list:
        out = [item()]
        while self.peek() == ",":
            self.take()
            out.append(item())
            if len(out) > MAX_ITEMS:
                raise Unparseable("too many items")
        return out

    def top(self):
        items = self.items(self.relation, None)
        if self.peek() is not None:
            raise Unparseable("trailing tokens")
        return items[0] if len(items) == 1 else ("list", tuple(items))

    def relation(self):
        sides, ops = [self.union()], []
        while self.peek() in RELATIONS:
            ops.append(self.take())
            sides.append(self.union())
            if len(ops) > 4:
                raise Unparseable("relation chain too long")
        return ("rel", tuple(sides), tuple(ops)) if ops else sides[0]

    def union(self):
        parts = [self.plus_minus()]
        while self.peek() == "cup":
            self.take()
            parts.append(self.plus_minus())
            if len(parts) > MAX_ITEMS:
                raise Unparseable("too many sets")
        return ("union", tuple(parts)) if len(parts) > 1 else parts[0]

    def plus_minus(self):
        node = self.expr()
        if self.peek() in ("pm", "mp"):
            self.take()
            node = ("pm", node, self.expr())
        return node

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
            elif _starts_factor(tok):  # implicit product: 2\pi, 3\sqrt{2}, 2(3+1), 2x, \pi r, x \sin y
                rhs = self.power()
                whole = node[1] if node[0] == "neg" else node
                if rhs[0] == "frac" and _int_literals(whole, rhs[1], rhs[2]):  # 2\frac{1}{2} is the mixed number 5/2
                    node = ("neg", ("+", whole, rhs)) if whole is not node else ("+", node, rhs)
                else:
                    node = ("*", node, rhs)
            else:
                return node

    def unary(self):
        if self.peek() in ("+", "-", "pm", "mp"):
            sign = self.take()
            self.nest()
            operand = self.unary()
            self.depth -= 1
            if sign in ("pm", "mp"):
                return ("pm", None, operand)
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
        """A number, variable, constant, bracketed group, tuple/interval/set, function, or command with its {args}."""
        tok = self.take()
        if isinstance(tok, tuple):
            if tok[0] == "fn":
                return self.function(tok[1])
            if tok[0] == "sym" and self.peek() == "_":
                return ("sym", tok[1] + "_" + self.subscript())
            if tok[0] == "num" and self.peek() == "_":
                raise Unparseable("a number in another base")  # 204_5: compared as text
            return tok
        self.nest()
        try:
            return self.bracketed(tok)
        finally:
            self.depth -= 1

    def bracketed(self, tok):
        if tok in ("(", "["):
            items = self.items(self.relation, None)
            close = self.take(")", "]")
            if len(items) == 1:
                if close != {"(": ")", "[": "]"}[tok]:
                    raise Unparseable("unmatched bracket")
                return items[0]
            if len(items) == 2 and not (tok == "(" and close == ")"):
                return ("interval", items[0], items[1], tok == "(", close == ")")
            return ("tuple", tuple(items))
        if tok == "{":
            node = self.relation()
            self.take("}")
            return node
        if tok == "{set":
            items = [] if self.peek() == "}set" else self.items(self.relation, None)
            self.take("}set")
            return ("set", tuple(items))
        if tok == "matrix":
            return self.matrix()
        if tok == "frac":
            return ("frac", self.atom(), self.atom())
        if tok == "sqrt":
            index = 2
            if self.peek() == "[":
                self.take()
                n = self.take()
                self.take("]")
                if not (isinstance(n, tuple) and n[0] == "num" and n[1].denominator == 1 and 2 <= n[1] <= 16):
                    raise Unparseable("root index")
                index = int(n[1])
            return ("root", self.atom(), index)
        if tok in ("pi", "infty", "empty", "reals"):
            return (tok,)
        raise Unparseable(f"unexpected {tok!r}")

    def subscript(self) -> str:
        self.take("_")
        tok = self.take()
        if tok == "{":
            parts = []
            while self.peek() != "}":
                parts.append(self.take())
                if len(parts) > 8:
                    raise Unparseable("subscript too long")
            self.take("}")
        else:
            parts = [tok]
        if not all(isinstance(p, tuple) and p[0] in ("num", "sym") for p in parts):
            raise Unparseable("subscript")
        return "".join(str(p[1]) for p in parts)

    def function(self, name: str):
        """\\sin x, \\sin(2x), \\sin^2 x, \\log_2 8, \\ln|x| is not read."""
        exponent = base = None
        if self.peek() == "^":
            self.take()
            exponent = self.atom()
        if self.peek() == "_" and name == "log":
            self.take()
            base = self.atom()
        if self.peek() in ("(", "{"):
            arg = self.atom()
        else:  # the factors that follow, up to the next function or operator: \sin 2x \cos y = sin(2x) cos(y)
            arg = self.power()
            while isinstance(self.peek(), tuple) and self.peek()[0] == "sym" or self.peek() == "pi":
                arg = ("*", arg, self.power())
        node = ("fn", name, arg) if base is None else ("/", ("fn", "ln", arg), ("fn", "ln", base))
        return node if exponent is None else ("^", node, exponent)

    def matrix(self):
        rows, row = [], [self.expr()]
        while self.peek() != "endmatrix":
            sep = self.take("&", "row")
            if sep == "row":
                rows.append(tuple(row))
                if self.peek() == "endmatrix":  # a trailing \\ before \end
                    row = None
                    break
                row = [self.expr()]
            else:
                row.append(self.expr())
            if len(rows) * max(1, len(row or ())) > MAX_ITEMS or len(row or ()) > MAX_ITEMS:
                raise Unparseable("matrix too large")
        self.take("endmatrix")
        if row is not None:
            rows.append(tuple(row))
        if len({len(r) for r in rows}) != 1:
            raise Unparseable("ragged matrix")
        return ("matrix", tuple(rows))


def _starts_factor(tok) -> bool:
    if isinstance(tok, tuple):
        return tok[0] in ("sym", "fn")
    return tok in ("(", "{", "frac", "sqrt", "pi", "infty", "{set", "matrix")


def _int_literals(*nodes) -> bool:
    return all(n[0] == "num" and n[1].denominator == 1 and n[2] is None for n in nodes)


# ---------------------------------------------------------------- exact values of numbers


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


_PLAIN = re.compile(rf"[-+]?\d{{1,{MAX_DIGITS}}}(?:\.(\d{{0,{MAX_DIGITS}}}))?", re.ASCII)


def read_tree(s: str):
    """The parse tree of math text, or None when it is not math this module reads or is too large."""
    if not s or len(s) > MAX_LENGTH:
        return None
    m = _PLAIN.fullmatch(s)
    if m:  # fast path: a plain number, no tokenizer
        return ("num", Fraction(s), len(m.group(1)) if m.group(1) is not None else None)
    try:
        return _Parser(_tokenize(s)).top()
    except (Unparseable, ArithmeticError, RecursionError, TypeError, ValueError, AttributeError):
        return None


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
