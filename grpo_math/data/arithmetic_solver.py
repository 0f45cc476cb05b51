"""Worked solutions for reasoning-gym's basic_arithmetic expressions: one line per operation, innermost first.

The expressions are ours (generated), but they are still parsed with `ast` and walked, never evaluated.
"""

import ast
from fractions import Fraction

_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def _fmt(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def solve_steps(expression: str, place_value: bool = False) -> tuple[list[str], Fraction]:
    """'( 56 + -33 ) - 84' -> (['56 + -33 = 23', '23 - 84 = -61'], Fraction(-61)).

    `place_value`: a sum or difference of non-negative whole numbers is worked tens first, then ones, and a
    difference below zero as the negated reverse difference ('31 - 73 = -(73 - 31) = -(73 - 30 - 1) = -(43 - 1) =
    -42'): each step is one a small model can do, where the one-line form asks it to recall the whole result."""
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
            if place_value and op in "+-" and _whole(a) and _whole(b):
                steps.append(_place_value_line(int(a), op, int(b)))
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
