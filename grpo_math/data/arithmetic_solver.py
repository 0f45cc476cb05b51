"""Worked solutions for reasoning-gym's basic_arithmetic expressions: one line per operation, innermost first.

The expressions are ours (generated), but they are still parsed with `ast` and walked, never evaluated.
"""

import ast
from fractions import Fraction

_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def _fmt(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


METHODS = ("one_line", "place_value", "column")


def solve_steps(expression: str, method: str = "one_line") -> tuple[list[str], Fraction]:
    """'( 56 + -33 ) - 84' -> (['56 + -33 = 23', '23 - 84 = -61'], Fraction(-61)).

    How a sum or difference of non-negative whole numbers is worked (products, quotients and negative or fractional
    terms always take one line):
    - `one_line`: 'a + b = c', the whole result recalled at once;
    - `place_value`: tens first, then ones, and a difference below zero as the negated reverse difference
      ('31 - 73 = -(73 - 31) = -(73 - 30 - 1) = -(43 - 1) = -42');
    - `column`: digit by digit from the ones, with carries and borrows written out, so that every step is a
      one-digit fact ('ones: 7 + 8 = 15, carry 1', 'tens: 4 + 3 + 1 = 8', '47 + 38 = 85')."""
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not one of {', '.join(METHODS)}")
    steps: list[str] = []

    def walk(node) -> Fraction:
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return Fraction(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = walk(node.operand)
            if isinstance(node.op, ast.UAdd):
                return inner
            if not isinstance(node.operand, ast.Constant):  # -( ... ): negating a result is a step of its own
                steps.append(f"-({_fmt(inner)}) = {_fmt(-inner)}")
            return -inner
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            a, b = walk(node.left), walk(node.right)
            op = _OPS[type(node.op)]
            value = {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None}[op]
            if value is None:
                raise ValueError("division by zero")
            if method == "place_value" and op in "+-" and _whole(a) and _whole(b):
                steps.append(_place_value_line(int(a), op, int(b)))
            elif method == "column" and op in "+-" and _whole(a) and _whole(b):
                steps.extend(_column_lines(int(a), op, int(b)))
            else:
                steps.append(f"{_fmt(a)} {op} {_fmt(b)} = {_fmt(value)}")
            return value
        raise ValueError(f"unsupported expression node {type(node).__name__}")

    result = walk(ast.parse(expression.strip(), mode="eval").body)
    return steps, result


def _whole(x: Fraction) -> bool:
    return x.denominator == 1 and x >= 0


def _place_value_line(a: int, op: str, b: int) -> str:
    """'47 + 38 = 47 + 30 + 8 = 77 + 8 = 85', '92 - 73 = 92 - 70 - 3 = 22 - 3 = 19', '31 - 73 = -(73 - 31) = ...'."""
    if op == "-" and a < b:
        inner = _place_value_line(b, "-", a).split(" = ")  # 'b - a', 'b - T - O', '(b-T) - O', 'result'
        return " = ".join([f"{a} - {b}", *(f"-({part})" for part in inner[:-1]), f"-{inner[-1]}"])
    result = a + b if op == "+" else a - b
    tens, ones = b - b % 10, b % 10
    if tens == 0 or ones == 0:  # one digit, or a whole number of tens: a single step already
        return f"{a} {op} {b} = {result}"
    partial = a + tens if op == "+" else a - tens
    return f"{a} {op} {b} = {a} {op} {tens} {op} {ones} = {partial} {op} {ones} = {result}"


_PLACES = ("ones", "tens", "hundreds", "thousands")


def _column_lines(a: int, op: str, b: int) -> list[str]:
    """'47 + 38' -> ['ones: 7 + 8 = 15, carry 1', 'tens: 4 + 3 + 1 = 8', '47 + 38 = 85'];
    '62 - 27' -> ['ones: 12 - 7 = 5, borrow 1', 'tens: 6 - 1 - 2 = 3', '62 - 27 = 35'];
    '5 - 73' -> ['5 - 73 = -(73 - 5)', 'ones: 13 - 5 = 8, borrow 1', 'tens: 7 - 1 - 0 = 6', '5 - 73 = -68']."""
    if op == "-" and a < b:
        return [f"{a} - {b} = -({b} - {a})", *_column_lines(b, "-", a)[:-1], f"{a} - {b} = {a - b}"]
    result = a + b if op == "+" else a - b
    width = max(len(str(a)), len(str(b)))
    if width > len(_PLACES):
        return [f"{a} {op} {b} = {result}"]
    lines, carry = [], 0
    for place in range(width):
        x, y = a // 10**place % 10, b // 10**place % 10
        last = place == width - 1
        if op == "+":
            total = x + y + carry
            terms = f"{x} + {y}" + (f" + {carry}" if carry else "")
            carry = total // 10 if not last else 0
            lines.append(f"{_PLACES[place]}: {terms} = {total}" + (", carry 1" if carry else ""))
        else:
            top = x - carry
            borrow = int(top < y)
            terms = f"{x + 10 * borrow}" + (f" - {carry}" if carry else "") + f" - {y}"
            lines.append(f"{_PLACES[place]}: {terms} = {top + 10 * borrow - y}" + (", borrow 1" if borrow else ""))
            carry = borrow
    return [*lines, f"{a} {op} {b} = {result}"]
