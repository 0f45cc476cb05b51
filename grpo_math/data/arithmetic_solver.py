"""Worked solutions for reasoning-gym's basic_arithmetic expressions: one line per operation, innermost first.

The expressions are ours (generated), but they are still parsed with `ast` and walked, never evaluated.
"""

import ast
from fractions import Fraction

_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def _fmt(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def solve_steps(expression: str) -> tuple[list[str], Fraction]:
    """'( 56 + -33 ) - 84' -> (['56 + -33 = 23', '23 - 84 = -61'], Fraction(-61))."""
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
            steps.append(f"{_fmt(a)} {op} {_fmt(b)} = {_fmt(value)}")
            return value
        raise ValueError(f"unsupported expression node {type(node).__name__}")

    result = walk(ast.parse(expression.strip(), mode="eval").body)
    return steps, result
