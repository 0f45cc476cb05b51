r"""A matrix expression reduced to one matrix: sums, differences and products of matrices, and a number times a matrix
(`\begin{pmatrix}1&2\\3&4\end{pmatrix} + \begin{pmatrix}5&6\\7&8\end{pmatrix}`). Entries stay trees (their sums and
products of the written entries), compared later by value like any expression; nothing is evaluated here.

Bounded: a product of an m x k and a k x n matrix builds m x n sums of k products, and the parser caps a matrix at
MAX_ITEMS entries, so a reduced matrix holds at most MAX_ITEMS entries of at most MAX_ITEMS products each.
"""

from grpo_math.safe_math import MAX_ITEMS

_OPERATIONS = ("+", "-", "*")


def reduce_matrix(t, depth: int = 0):
    """The matrix `t` stands for, as ("matrix", rows), or None when `t` is not a matrix expression."""
    if not isinstance(t, tuple) or not t or depth > 8:
        return None
    if t[0] == "matrix":
        return t
    if t[0] not in _OPERATIONS or len(t) != 3:
        return None
    a, b = reduce_matrix(t[1], depth + 1), reduce_matrix(t[2], depth + 1)
    if t[0] == "*":
        if a is not None and b is not None:
            return _product(a[1], b[1])
        if a is None and b is not None and _scalar(t[1]):  # 2 \begin{pmatrix}...\end{pmatrix}
            return ("matrix", tuple(tuple(("*", t[1], e) for e in row) for row in b[1]))
        return None
    if a is None or b is None or _shape(a[1]) != _shape(b[1]):
        return None
    return (
        "matrix",
        tuple(tuple((t[0], x, y) for x, y in zip(r, s, strict=True)) for r, s in zip(a[1], b[1], strict=True)),
    )


def _product(rows_a, rows_b):
    (m, k), (k2, n) = _shape(rows_a), _shape(rows_b)
    if k != k2 or m * n > MAX_ITEMS:
        return None
    rows = []
    for i in range(m):
        row = []
        for j in range(n):
            entry = ("*", rows_a[i][0], rows_b[0][j])
            for step in range(1, k):
                entry = ("+", entry, ("*", rows_a[i][step], rows_b[step][j]))
            row.append(entry)
        rows.append(tuple(row))
    return ("matrix", tuple(rows))


def _shape(rows) -> tuple[int, int]:
    return len(rows), len(rows[0]) if rows else 0


def _scalar(t) -> bool:
    return (
        isinstance(t, tuple) and bool(t) and t[0] not in ("matrix", "tuple", "list", "set", "rel", "interval", "union")
    )
