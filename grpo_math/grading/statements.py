r"""Answers written as statements rather than values, reduced to the values (regular expressions and a bracket-aware
split over bounded text; nothing parsed here):

    (p, q) = (3, 2)              -> (3, 2)             a label of names before the value
    \frac{NO}{BO} = \frac{1}{\sqrt{6}}, |AB| = 1, V_1 : V_2 = 11 : 21   the same
    AB = 4, CD = 5               -> 4, 5               several assignments: their values, in order
    p = 5, q = 2; p = 7, q = 2   -> (5, 2), (7, 2)     solutions separated by ";": one tuple each
    (x, y) = (5, 8) and (8, 5)   -> (5, 8), (8, 5)     a label on the first of several
    1 and 2 and 3, (11,7) or (7,11)  -> 1, 2, 3 / (11,7), (7,11)   values joined by words

An equation between expressions ("2x + 4y = 3", "y = 2x + 3") is an answer in itself and is left alone.
"""

import re

_SUBSCRIPT = re.compile(r"_\{[^{}]{0,20}\}|_\w")
_LABEL_NOISE = re.compile(r"\\(?:frac|left|right|overline|angle|triangle|vert)|[{}|\s]|\\\|")
_LABEL = re.compile(r"[A-Za-z(),:/]*[A-Za-z][A-Za-z(),:/]*")  # names, tuples, ratios and quotients of names
_WORD_JOIN = re.compile(r"\s+(?:and|or)\s+|(?<=\))\s*(?:and|or)\s*(?=\()")
_HAS_VALUE = re.compile(r"\d|\\(?:frac|sqrt|pi|infty)")
_WORD = re.compile(r"(?<!\\)[a-zA-Z]{3,}")


def is_label(text: str) -> bool:
    """Names only: 'x', '(p, q)', 'S_{MBCN}:S', '\\frac{NO}{BO}', '|AB|' (no digits but subscripts, no operators)."""
    bare = _LABEL_NOISE.sub("", _SUBSCRIPT.sub("", text))
    return bool(bare) and _LABEL.fullmatch(bare) is not None


def split_top(text: str, separators: str) -> list[str]:
    """`text` split at the characters in `separators` that are outside every bracket."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch in separators and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _value_of(assignment: str) -> str | None:
    """'x = 5' -> '5' when the left side is a label and the right side has no '='; else None."""
    sides = assignment.split("=")
    if len(sides) != 2 or not is_label(sides[0]) or not sides[1].strip():
        return None
    return sides[1].strip()


def values_of(s: str) -> str:
    """The values a statement gives (see the module docstring), or `s` unchanged."""
    if "=" not in s:
        if ";" in s:  # (0;0;0), -12;-11;-10: semicolons as separators
            s = s.replace(";", ",")
        parts = [p.strip() for p in _WORD_JOIN.split(s)]
        if len(parts) > 1 and all(_HAS_VALUE.search(p) and not _WORD.search(p) for p in parts):
            return ", ".join(parts)  # "1 and 2 and 3", "(11,7)or(7,11)"
        return s
    groups = [[x.strip() for part in split_top(g, ",") for x in _WORD_JOIN.split(part)] for g in split_top(s, ";")]
    values = [[_value_of(a) for a in group] for group in groups]
    if all(v is not None for group in values for v in group) and sum(map(len, values)) > 1:
        if len(values) > 1:  # solutions separated by ";"
            return ", ".join(f"({', '.join(group)})" if len(group) > 1 else group[0] for group in values)
        return ", ".join(values[0])
    parts = [p.strip() for p in _WORD_JOIN.split(s)]
    if len(parts) > 1 and (first := _value_of(parts[0])) is not None and all("=" not in p for p in parts[1:]):
        return ", ".join([first, *parts[1:]])  # "(x, y) = (5, 8) and (8, 5)"
    # one assignment: 'x = ...' is the caller's (an equation may be the answer); 'xy = 6' is a product, not a name
    single = len(parts) == 1 and s.count("=") == 1 and (value := _value_of(s))
    if single and not re.fullmatch(r"\s*(?:[a-zA-Z]|[a-z]{2,})\s*", s.split("=")[0]):
        return value
    return s
