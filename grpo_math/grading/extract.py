"""The final answer a completion commits to: the <answer> span, else \\boxed{}, ####, "the answer is", the last number."""

import re

from grpo_math.errors import RecipeError, did_you_mean
from grpo_math.grading.normalize import normalize_answer
from grpo_math.grading.text import BOXED, FALLBACKS, MAX_ANSWER, MAX_SCAN, MAX_SPANS, closing_brace, completion_text


def _answer_spans(text: str) -> list[str]:
    """Every <answer>...</answer> body, found with str.find (linear even on a megabyte of open tags)."""
    spans, pos = [], 0
    while len(spans) <= MAX_SPANS:
        start = text.find("<answer>", pos)
        if start < 0:
            break
        start += len("<answer>")
        end = text.find("</answer>", start)
        if end < 0:  # cut off by the length limit: what was written so far
            spans.append(text[start:])
            break
        spans.append(text[start:end])
        pos = end + len("</answer>")
    return spans


def last_boxed(text: str) -> str | None:
    r"""The body of the last \boxed{...} (or \fbox{...}, or \boxed 5), braces matched; boxes written side by side
    (`\boxed{1}, \boxed{2}`, `\boxed{1} and \boxed{2}`) are one answer, their bodies joined by commas."""
    bodies, end = [], len(text)
    while len(bodies) < MAX_SPANS:
        start = max(text.rfind("\\boxed", 0, end), text.rfind("\\fbox", 0, end))
        m = BOXED.match(text, start) if start >= 0 else None
        if not m:
            break
        close = m.end() - 1 if m.group(1) else closing_brace(text, m.end() - 1)
        if close is None or (bodies and not _BETWEEN_BOXES.fullmatch(text, close + 1, end)):
            break
        bodies.append(m.group(1) or text[m.end() : close])
        end = start
    return ", ".join(reversed(bodies)) if bodies else None


_BETWEEN_BOXES = re.compile(
    r"(?:[\s,;$.]|\\[()\[\]]|\\q?quad|\\,|\\text\{\s*(?:and|or)\s*\}|(?<![a-zA-Z])(?:and|or)(?![a-zA-Z])){0,12}"
)  # "\boxed{1}, \boxed{2}", "\boxed{-2} \quad \text{and} \quad \boxed{1}"


def _after_hash(text: str) -> str | None:
    i = text.rfind("####")
    return (text[i + 4 :].split("\n", 1)[0].strip() or None) if i >= 0 else None


_ANSWER_IS = re.compile(r"\banswer(?:\s+is\s*:?|\s*:)[ \t]*([^\n]*)", re.IGNORECASE)


def _after_answer_is(text: str) -> str | None:
    """'The (final) answer is: X' / 'Answer: X' -> X, up to the end of its sentence; "Final Answer: The final answer
    is X" -> X (the innermost statement)."""
    found = None
    for m in _ANSWER_IS.finditer(text):
        found = m.group(1)
    while found and (inner := _ANSWER_IS.search(found)):
        found = inner.group(1)
    return (re.split(r"\.(?:\s|$)", found, maxsplit=1)[0].strip() or None) if found else None


# 2,74: a decimal comma, but not inside a pair such as (0,1)
_NUM = r"(?:\d+(?:,\d{3})*(?:\.\d+|,\d{1,2}(?![\d)\],]))?|\.\d+)(?:[eE][-+]?\d+)?"
# A number, with its sign unless that is a binary minus ("16-3"), and any power chain it heads ("9**9**9", "2^{10}").
_LAST_NUMBER = re.compile(rf"(?:(?<![\w)\]}}])-)?(?<![A-Za-z\d]){_NUM}(?:\s*(?:\*\*|\^)\s*\{{?-?{_NUM}\}}?)*(?:/\d+)?")


_EXPONENT_BEFORE = re.compile(r"(?:\^|\*\*)\s*\{?\s*$")


_SPACE_GROUPED = re.compile(r"\s*-?[1-9]\d{0,2}(?: \d{3})+\s*", re.ASCII)  # "1 000": thousands grouped by spaces


def _last_number(text: str) -> str | None:
    """The last number that is not an exponent ("25 cm^2" -> "25") nor part of a word ("AZYUK2A"), with a power
    chain it heads. A text that is nothing but a space-grouped number ("1 000") is that number; inside a sentence
    "3 100-page books" stays two numbers."""
    if _SPACE_GROUPED.fullmatch(text):
        return text.strip().replace(" ", "")
    text = text.replace("{,}", ",")  # LaTeX's thousands separator: 14{,}916
    found = None
    for m in _LAST_NUMBER.finditer(text):
        if not _EXPONENT_BEFORE.search(text, max(0, m.start() - 4), m.start()):
            found = m.group(0)
    return found


# An inline or display math span on one line: $...$, $$...$$, \(...\), \[...\].
_MATH_SPAN = re.compile(
    r"(?<!\\)\$\$((?:\\\$|[^$\n]){1,500})(?<!\\)\$\$|(?<!\\)\$((?:\\\$|[^$\n]){1,500})(?<!\\)\$"
    r"|\\\((.{1,500}?)\\\)|\\\[(.{1,500}?)\\\]",
    re.DOTALL,
)  # an escaped \$ inside a span is a dollar sign, not its end


def _last_math(text: str) -> str | None:
    """The last math span ("We find that $x \\lt 3$."), when nothing numeric follows it and it is math, not prose
    between two dollar amounts ("costs $5 and $6")."""
    found = None
    for m in _MATH_SPAN.finditer(text):
        found = m
    if found is None or re.search(r"\d", text[found.end() :]):
        return None
    body = next(g for g in found.groups() if g is not None).strip()
    return body if body and not _is_prose(body) else None


def _is_prose(text: str) -> bool:
    """Words in it, even after \\text{} and units are dropped ("\\frac{1}{3} \\text{meters}" is not prose)."""
    bare = _ENVIRONMENT.sub(" ", text)
    return bool(_PROSE.search(bare)) and bool(_PROSE.search(normalize_answer(bare)))


_FALLBACKS = {
    "boxed": last_boxed, "hash": _after_hash, "answer_is": _after_answer_is, "last_math": _last_math,
    "last_number": _last_number,
}  # fmt: skip
_PROSE = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{2,}")
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\{\w+\}(?:\{[^{}]*\})?")  # \begin{pmatrix}: LaTeX, not prose
_PARENTHETICAL = re.compile(r"\([^()]*\)")
# "18 (9 + 9)": a trailing aside, not a product; "(0,9) \cup (9,36)" and "x (1, 2)" are not asides
_ASIDE = re.compile(r"(?<=[\d.}])\s+\([^(),]*\)\s*$")


def _refine(found: str) -> str | None:
    r"""Narrow a found answer to its value: \boxed inside it, or its last number when it is a sentence."""
    found = found.strip()[-MAX_SCAN:]  # a span's final answer is at its end: its tail only, as the fallbacks read
    if not found:
        return None
    found = _ASIDE.sub("", last_boxed(found) or found) or found
    if len(found) > 4 * MAX_ANSWER:  # no answer is this long: its last number, if any
        return _last_number(found[-MAX_SCAN:])
    if not _is_prose(found):  # letters may be units or \text
        return found
    if joined := _TWO_NUMBERS.fullmatch(found):  # "12 and 13", "5 or 6": both, not the last (a hedge is wrong)
        return f"{joined.group(1)}, {joined.group(2)}"
    return _last_number(_PARENTHETICAL.sub(" ", found)) or _last_number(found) or found  # "18 (9 eggs x $2)" -> 18


_TWO_NUMBERS = re.compile(
    r'[\s"$]*(-?\d+(?:\.\d+)?)[\s"$]*(?:and|or|\\text\{\s*(?:and|or)\s*\})[\s"$]*(-?\d+(?:\.\d+)?)[\s"$]*'
)


MARKERS = ("boxed", "hash", "answer_is")  # explicit statements of a final answer, as opposed to the last math or number


def _marker_position(name: str, text: str) -> int:
    if name == "boxed":
        return max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if name == "hash":
        return text.rfind("####")
    return max((m.start() for m in _ANSWER_IS.finditer(text)), default=-1)


def _in_written_order(names: tuple[str, ...], text: str) -> list[str]:
    """The fallbacks with their explicit markers re-ordered by where each was last written, latest first (a box
    followed by "Final Answer: X" answers X; "the answer is \\boxed{5}" answers 5); the others keep their place."""
    markers = iter(sorted((n for n in names if n in MARKERS), key=lambda n: -_marker_position(n, text)))
    return [next(markers) if n in MARKERS else n for n in names]


def extract_answer(text: str, fallbacks: tuple[str, ...] = FALLBACKS, latest_marker: bool = True) -> str | None:
    r"""The final answer a completion commits to, as the model wrote it (None when there is none).

    The <answer> span comes first; several spans must agree (normalised), or there is no answer. Without a span,
    the `fallbacks` are tried in order: "boxed" (last \boxed{}), "hash" (after ####), "answer_is" ("the answer
    is[:] X", "Final Answer: X"), "last_math" (the last $...$ / \(...\) / \[...\] span, nothing numeric after
    it), "last_number". With `latest_marker` the three explicit markers (boxed, hash, answer_is) are tried in the
    order they were last written, latest first, in the places the list gives them. A sentence is narrowed to its
    last number ("She makes $18." -> "18"). Text after a closing </think> is graded alone when there is any.
    """
    for name in fallbacks:
        if name not in _FALLBACKS:
            raise RecipeError(
                f"unknown answer fallback {name!r}{did_you_mean(name, _FALLBACKS)}; available: {', '.join(_FALLBACKS)}"
            )
    text = completion_text(text)
    if "</think>" in text and (after := text.rsplit("</think>", 1)[1]).strip():
        text = after  # a reasoning model's answer follows its thinking; what it tried inside is not its answer
    spans = _answer_spans(text)
    if len(spans) == 1:
        return _refine(spans[0])
    if spans:
        found = [_refine(s) for s in spans]
        if len(spans) > MAX_SPANS or None in found or any(len(f) > 4 * MAX_ANSWER for f in found):
            return None
        return found[-1] if len({normalize_answer(f) for f in found}) == 1 else None
    tail = text[-MAX_SCAN:]
    bare = tail.strip()
    if fallbacks and "\\" in bare and len(bare) <= 4 * MAX_ANSWER and "\n" not in bare and not _is_prose(bare):
        return _refine(bare)  # the completion is the answer itself, in LaTeX: "\frac{10}{9}"
    if fallbacks and len(bare) <= 4 * MAX_ANSWER and (only := _MATH_SPAN.fullmatch(bare)):
        return _refine(next(g for g in only.groups() if g is not None))  # "$odd$": one math span, all of it
    for name in _in_written_order(tuple(fallbacks), tail) if latest_marker else fallbacks:
        found = _FALLBACKS[name](tail)
        if found and (found := _refine(found)):
            return found
    return None
