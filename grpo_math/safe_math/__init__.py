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

`read_tree(s)` (parser.py) gives the tree and `read_math(s)` / `number_value(tree)` (values.py) a number's value;
grpo_math.grading normalises an answer, reads it, and compares the results. limits.py holds the bounds.
"""

from grpo_math.safe_math.limits import (
    MAX_BITS,
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_ITEMS,
    MAX_LENGTH,
    Unparseable,
)  # fmt: skip
from grpo_math.safe_math.parser import FUNCTIONS, GREEK, RELATIONS, read_tree
from grpo_math.safe_math.values import NUMBER_KINDS, exact_value, is_number, number_value, read_math

__all__ = [
    "FUNCTIONS", "GREEK", "MAX_BITS", "MAX_DEPTH", "MAX_DIGITS", "MAX_EXPONENT", "MAX_ITEMS", "MAX_LENGTH",
    "NUMBER_KINDS", "RELATIONS", "Unparseable", "exact_value", "is_number", "number_value", "read_math", "read_tree",
]  # fmt: skip
