r"""Math text -> a parse tree: a tokenizer and a recursive-descent parser, each step size-bounded (limits.py).

The tree is nested tuples of kinds and children: ("num", Fraction, decimal places written), ("+", a, b), ("frac", a,
b), ("root", x, n), ("sym", name), ("fn", name, argument), ("rel", ...), ("tuple" / "list" / "set", items),
("interval", ...), ("union", parts), ("matrix", rows), ... Nothing in it is evaluated here (values.py computes a
number's value from the tree).
"""

import re
from fractions import Fraction

from grpo_math.safe_math.limits import MAX_DEPTH, MAX_DIGITS, MAX_ITEMS, MAX_LENGTH, Unparseable

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
