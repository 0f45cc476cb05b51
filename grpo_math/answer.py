r"""Correctness, defined once: find the final answer in a completion, normalise it, compare it with the gold.

The rewards (rewards/correctness.py, rewards/choice.py, rewards/format.py) and the evaluator both use this module,
so a completion counts as right in training exactly when it counts as right in evaluation.

Model output is data, never code. Extraction and normalisation are regular expressions over bounded slices of text;
the math in an answer is read by grpo_math.safe_math, a size-bounded parser that never evaluates text (nothing
reaches eval, sympify or parse_expr) and never needs `signal`. Equivalence compares the values it returns.
"""

import re
import unicodedata
from fractions import Fraction
from functools import lru_cache

from grpo_math.errors import RecipeError, did_you_mean
from grpo_math.safe_math import MAX_LENGTH, read_math

FALLBACKS = ("boxed", "hash", "answer_is", "last_number")
MAX_SCAN = 20_000  # fallbacks read only the tail of a completion, where a final answer is
MAX_ANSWER = MAX_LENGTH  # a normalised answer longer than the parser reads is not graded as math
MAX_SPANS = 16  # more <answer> blocks than this is spam, not an answer


# ---------------------------------------------------------------- completion text and extraction


def completion_text(c) -> str:
    """A completion as text: a plain string, or chat messages (TRL's conversational form) -> the last assistant turn."""
    if isinstance(c, str):
        return c
    if isinstance(c, dict):
        return _content(c)
    if isinstance(c, (list, tuple)):
        for message in reversed(c):
            if isinstance(message, dict) and message.get("role", "assistant") == "assistant":
                return _content(message)
        return _content(c[-1]) if c else ""
    return "" if c is None else str(c)


def _content(message) -> str:
    content = message.get("content") if isinstance(message, dict) else message
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
        return "".join(p.get("text") or "" for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ("" if content is None else str(content))


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


def _closing_brace(text: str, i: int) -> int | None:
    """Index of the brace closing the one at text[i] (looked for within 4 * MAX_ANSWER characters)."""
    depth = 0
    for j in range(i, min(len(text), i + 4 * MAX_ANSWER)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return j
    return None


_BOXED = re.compile(r"\\(?:boxed|fbox)\s*(?:\{|([^\s${}]+))")


def _last_boxed(text: str) -> str | None:
    r"""The body of the last \boxed{...} (or \fbox{...}, or \boxed 5), braces matched."""
    m = _BOXED.match(text, max(text.rfind("\\boxed"), text.rfind("\\fbox"), 0))
    if not m:
        return None
    if m.group(1):
        return m.group(1)
    end = _closing_brace(text, m.end() - 1)
    return None if end is None else text[m.end() : end]


def _after_hash(text: str) -> str | None:
    i = text.rfind("####")
    return (text[i + 4 :].split("\n", 1)[0].strip() or None) if i >= 0 else None


_ANSWER_IS = re.compile(r"\banswer(?:\s+is\s*:?|\s*:)[ \t]*([^\n]*)", re.IGNORECASE)


def _after_answer_is(text: str) -> str | None:
    """'The (final) answer is: X' / 'Answer: X' -> X, up to the end of its sentence."""
    found = None
    for m in _ANSWER_IS.finditer(text):
        found = m.group(1)
    return (re.split(r"\.(?:\s|$)", found, maxsplit=1)[0].strip() or None) if found else None


_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?"
# A number, with its sign unless that is a binary minus ("16-3"), and any power chain it heads ("9**9**9", "2^{10}").
_LAST_NUMBER = re.compile(rf"(?:(?<![\w)\]}}])-)?{_NUM}(?:\s*(?:\*\*|\^)\s*\{{?-?{_NUM}\}}?)*(?:/\d+)?")


_EXPONENT_BEFORE = re.compile(r"(?:\^|\*\*)\s*\{?\s*$")


def _last_number(text: str) -> str | None:
    """The last number that is not an exponent ("25 cm^2" -> "25"), with a power chain it heads."""
    found = None
    for m in _LAST_NUMBER.finditer(text):
        if not _EXPONENT_BEFORE.search(text, max(0, m.start() - 4), m.start()):
            found = m.group(0)
    return found


_FALLBACKS = {"boxed": _last_boxed, "hash": _after_hash, "answer_is": _after_answer_is, "last_number": _last_number}
_PROSE = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{2,}")
_PARENTHETICAL = re.compile(r"\([^()]*\)")
_ASIDE = re.compile(r"(?<=\S)\s+\([^()]*\)\s*$")  # "18 (9 + 9)": a trailing aside, not a product


def _refine(found: str) -> str | None:
    r"""Narrow a found answer to its value: \boxed inside it, or its last number when it is a sentence."""
    found = found.strip()[-MAX_SCAN:]  # a span's final answer is at its end: its tail only, as the fallbacks read
    if not found:
        return None
    found = _ASIDE.sub("", _last_boxed(found) or found) or found
    if len(found) > 4 * MAX_ANSWER:  # no answer is this long: its last number, if any
        return _last_number(found[-MAX_SCAN:])
    if not _PROSE.search(found) or not _PROSE.search(normalize_answer(found)):  # letters may be units or \text
        return found
    return _last_number(_PARENTHETICAL.sub(" ", found)) or _last_number(found) or found  # "18 (9 eggs x $2)" -> 18


def extract_answer(text: str, fallbacks: tuple[str, ...] = FALLBACKS) -> str | None:
    r"""The final answer a completion commits to, as the model wrote it (None when there is none).

    The <answer> span comes first; several spans must agree (normalised), or there is no answer. Without a span,
    the `fallbacks` are tried in order: "boxed" (last \boxed{}), "hash" (after ####), "answer_is" ("the answer
    is[:] X"), "last_number". A sentence is narrowed to its last number ("She makes $18." -> "18").
    """
    for name in fallbacks:
        if name not in _FALLBACKS:
            raise RecipeError(
                f"unknown answer fallback {name!r}{did_you_mean(name, _FALLBACKS)}; available: {', '.join(_FALLBACKS)}"
            )
    text = completion_text(text)
    spans = _answer_spans(text)
    if len(spans) == 1:
        return _refine(spans[0])
    if spans:
        found = [_refine(s) for s in spans]
        if len(spans) > MAX_SPANS or None in found or any(len(f) > 4 * MAX_ANSWER for f in found):
            return None
        return found[-1] if len({normalize_answer(f) for f in found}) == 1 else None
    tail = text[-MAX_SCAN:]
    for name in fallbacks:
        found = _FALLBACKS[name](tail)
        if found and (found := _refine(found)):
            return found
    return None


# ---------------------------------------------------------------- normalisation

_UNICODE = str.maketrans(
    {"−": "-", "–": "-", "×": "*", "÷": "/", "·": "*", "π": "\\pi ", "√": "\\sqrt", "∞": "\\infty ", "\u00a0": " "}
)
_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))
_ROOT_DIGITS = re.compile(r"√\s*(\d+(?:\.\d+)?)")
_SPACING = re.compile(r"\\(?:left|right|displaystyle|[!,;: ])|~")
_TEXT = re.compile(r"\\(?:text|textbf|textrm|mathrm|mathbf|mbox)\s*\{([^{}]*)\}")
_DROP = re.compile(r"\^\s*\{?\\circ\}?|°|\\circ|\\?%|\\?\$")
_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d])", re.ASCII)
# Trailing unit words after a number: "18 dollars", "5 km/h", "3 cm^2"; one letter only after a space ("3x" stays).
_UNITS = re.compile(r"(?<=[\d})])(?:\s*[a-zA-Z]{2,}|\s+[a-zA-Z])(?:[ /.-]+[a-zA-Z]+)*\.?(?:\^\{?\d\}?)?$", re.ASCII)
_FRAC_DIGITS = re.compile(r"\\frac\s*(\d)\s*(\d)|\\frac\s*(\d)(?=\s*\{)|\\sqrt\s*(\d)")
_TRAILING_ZEROS = re.compile(r"^(-?\d+)(?:\.0*|(\.\d*?)0+)$", re.ASCII)


def _ascii_digits(s: str) -> str:
    """Unicode decimal digits (Arabic-Indic, fullwidth, ...) as ASCII; they mean the same number."""
    return s if s.isascii() else "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in s)


def _unwrap(s: str) -> str:
    r"""Peel whole-answer wrappers: $...$, \(...\), \[...\], \boxed{...}, {...}."""
    for _ in range(4):
        inner = next(
            (
                s[len(a) : -len(b)]
                for a, b in _DELIMITERS
                if len(s) > len(a) + len(b) and s.startswith(a) and s.endswith(b)
            ),
            None,
        )
        if inner is None and s.endswith("}"):
            m = _BOXED.match(s) if s.startswith("\\") else None
            start = m.end() - 1 if m and not m.group(1) else 0 if s.startswith("{") else None
            if start is not None and _closing_brace(s, start) == len(s) - 1:
                inner = s[start + 1 : -1]
        if inner is None:
            return s
        s = inner.strip()
    return s


_SIMPLE = re.compile(r"-?[0-9]{1,50}")
_EQUALS = re.compile(r"=|\\approx|≈")


def normalize_answer(s: str) -> str:
    r"""An answer in canonical text: '$1,000.00' -> '1000', '\text{18 dollars}.' -> '18', 'x = \dfrac{3}{4}' -> '\frac{3}{4}'.

    Drops math delimiters, \boxed, \text, \left/\right, spacing, `$`, `%`, degrees, thousands separators, trailing
    unit words and full stops, a leading 'x =', and a trailing '.0'. Idempotent; never parses.
    """
    s = str(s).strip()
    if _SIMPLE.fullmatch(s):  # most golds and answers: nothing to do
        return s
    return _normalize_cached(s) if len(s) <= 4 * MAX_ANSWER else _normalize(s)


@lru_cache(maxsize=16384)
def _normalize_cached(s: str) -> str:
    return _normalize(s)


def _normalize(s: str) -> str:
    s = _unwrap(_ROOT_DIGITS.sub(r"\\sqrt{\1}", _ascii_digits(str(s))).translate(_UNICODE).strip().strip("*_ "))
    s = _TEXT.sub(r"\1", _SPACING.sub(" ", s)).replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    s = _DROP.sub("", s.replace("{,}", ","))
    s = _EQUALS.split(s)[-1] or s
    s = _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), s)
    s = _UNITS.sub("", s.strip().rstrip(".").strip()).rstrip(".").strip()
    s = _FRAC_DIGITS.sub(_frac_digits, _unwrap(s))
    s = _TRAILING_ZEROS.sub(lambda m: m.group(1) + (m.group(2) or ""), s)
    return " ".join(s.split())


def _frac_digits(m) -> str:
    if m.group(1):
        return f"\\frac{{{m.group(1)}}}{{{m.group(2)}}}"
    return f"\\frac{{{m.group(3)}}}" if m.group(3) else f"\\sqrt{{{m.group(4)}}}"


# ---------------------------------------------------------------- value (read by grpo_math.safe_math)


@lru_cache(maxsize=16384)
def _parse_normalized(s: str):
    """read_math, cached: a gold is read once per problem, not once per completion."""
    return read_math(s)


def parse_answer(s: str):
    """(value, decimal places written) for an answer string, or None: a Fraction, or a sympy number/Tuple/Interval."""
    s = str(s)
    return None if len(s) > 4 * MAX_ANSWER else _parse_normalized(normalize_answer(s))


# ---------------------------------------------------------------- equivalence


def answers_match(pred: str | None, gold: str) -> bool | None:
    r"""Is `pred` the same answer as `gold`? None when the gold itself is unparseable; False when pred is None.

    Integers and terminating decimals compare exactly (18 = 18.0 = $18 = 18 dollars); fractions and expressions by
    value (3/4 = 0.75 = \frac{3}{4}); a decimal with >= 2 places matches an irrational or repeating value it rounds
    from (0.33 ~ 1/3, 3.14 ~ \pi); tuples element-wise; intervals by ends and openness.
    """
    gold_parsed = parse_answer(gold)
    if gold_parsed is None:
        return None
    if pred is None:
        return False
    pred_parsed = parse_answer(pred)
    return pred_parsed is not None and _equal(pred_parsed, gold_parsed)


def _equal(a, b) -> bool:
    (x, px), (y, py) = a, b
    if isinstance(x, Fraction) and isinstance(y, Fraction):
        return x == y or _rounds_to(x, px, y) or _rounds_to(y, py, x)
    import sympy as sp

    x, y = (sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else v for v in (x, y))
    if isinstance(x, sp.Tuple) or isinstance(y, sp.Tuple):
        return (
            isinstance(x, sp.Tuple) and isinstance(y, sp.Tuple) and len(x) == len(y)
            and all(_equal((u, None), (v, None)) for u, v in zip(x, y))
        )  # fmt: skip
    if isinstance(x, sp.Interval) or isinstance(y, sp.Interval):
        return (
            isinstance(x, sp.Interval) and isinstance(y, sp.Interval)
            and (x.left_open, x.right_open) == (y.left_open, y.right_open)
            and _equal((x.left, None), (y.left, None)) and _equal((x.right, None), (y.right, None))
        )  # fmt: skip
    if not (isinstance(x, sp.Expr) and isinstance(y, sp.Expr)):
        return x == y
    if x == y:
        return True
    if x.is_Rational and y.is_Rational or x.is_infinite or y.is_infinite:
        return False
    if abs(sp.N(x - y, 30)) <= sp.Float("1e-20", 30) * max(1, abs(sp.N(x, 30))):  # same irrational, other form
        return True
    for (w, places), v in (((x, px), y), ((y, py), x)):  # 3.14 for pi
        if places and places >= 2 and w.is_Rational and w != 0 and not v.is_Rational:
            return bool(abs(sp.N(w - v, 30)) <= sp.Rational(1, 2 * 10**places))
    return False


def _rounds_to(written: Fraction, places: int | None, exact: Fraction) -> bool:
    """0.33 for 1/3: a decimal with >= 2 places, non-zero, that the repeating value rounds to."""
    if places is None or places < 2 or written == 0 or _terminates(exact):
        return False
    return abs(written - exact) <= Fraction(1, 2 * 10**places)


def _terminates(x: Fraction) -> bool:
    den = x.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    return den == 1


# ---------------------------------------------------------------- format and multiple choice

_STRICT = re.compile(r"<reasoning>\n(.+?)\n</reasoning>\n<answer>\n(.+?)\n</answer>\n?", re.DOTALL)
_LENIENT = re.compile(r"\s*<reasoning>(.+?)</reasoning>\s*<answer>(.+?)</answer>\s*", re.DOTALL)
_XML_TAGS = ("<reasoning>", "</reasoning>", "<answer>", "</answer>")


def has_xml_format(text: str, strict: bool = True) -> bool:
    """<reasoning>...</reasoning><answer>...</answer> as the whole completion, each tag exactly once.

    strict: the reference run's newlines exactly (`<reasoning>\\n...\\n</reasoning>\\n<answer>\\n...\\n</answer>`,
    optionally one final newline); lenient: any whitespace around and between the blocks. Reasoning may span lines.
    Nothing but whitespace may follow </answer>: ending right after it (EOS) is the normal, full-credit case.
    """
    if any(text.count(tag) != 1 for tag in _XML_TAGS):  # linear; also keeps the lazy regex below linear
        return False
    m = (_STRICT if strict else _LENIENT).fullmatch(text)
    return m is not None and not m.group(2).isspace()


# "a ) 12": the letter, any repeat of it ("a ) a ) 4 inches", "b ) b . 120 %"), then the value up to the next ", b )"
# or the end.
_OPTION = re.compile(
    r"(?:^|,)\s*([a-e])\s*\)\s*(?:\1\s*(?:\)|\.(?=\s*\d))\s*)*(.*?)\s*(?=,\s*[a-e]\s*\)|$)", re.DOTALL | re.IGNORECASE
)
# A list written out as text, "['a ) 12', 'b ) 16']": its brackets, and the quotes around and between its items.
_LIST_TEXT = re.compile(r"""\s*\[\s*(['"])(.*)\1\s*\]\s*""", re.DOTALL)
_LIST_SEPARATOR = re.compile(r"""['"]\s*,\s*['"](?=\s*[a-e]\s*\))""", re.IGNORECASE)
_LETTERS = [
    re.compile(r"\(\s*([a-eA-E])\s*\)"),  # (c)
    re.compile(r"(?<![\w(])([a-eA-E])\s*\)"),  # C) 18
    re.compile(r"\b(?:option|choice)\s*:?\s*\(?([a-eA-E])\b", re.IGNORECASE),  # Option C
]
_CAPITAL = re.compile(r"(?<![\w\\'])([A-E])(?![\w'])")  # "the answer is C." (only where an answer is stated)
_BARE = re.compile(r"[\W_]*([a-eA-E])[\W_]*")


def parse_options(options: str | list) -> dict[str, str]:
    """MathQA options 'a ) 12 , b ) 16 , ...' -> {'a': '12', 'b': '16', ...}.

    Also a list of 'a ) 12' items, or such a list written out as text ("['a ) 12', 'b ) 16']", as some MathQA rows
    are: read as text, its brackets and quotes dropped, never evaluated), and a letter written twice ('a ) a ) 4').
    """
    if isinstance(options, (list, tuple)):
        options = " , ".join(str(o) for o in options)
    options = str(options)[: 4 * MAX_ANSWER]
    listed = _LIST_TEXT.fullmatch(options)
    if listed:
        options = _LIST_SEPARATOR.sub(" , ", listed.group(2))
    return {m.group(1).lower(): m.group(2) for m in _OPTION.finditer(options)}


def extract_choice(text: str, options: str | None = None) -> str | None:
    """The option letter (a-e) a completion picks, or None when it names none or two different ones.

    Reads the <answer> span, else the last 'the answer is ...' sentence, else the last line. Accepts `c`, `(C)`,
    `C) 18`, `Option C`, 'the answer is (c)', or the option's value ('18') when exactly one option has it.
    """
    text = completion_text(text)
    spans = _answer_spans(text)
    tail = text[-MAX_SCAN:]
    stated = "\n".join(spans[: MAX_SPANS + 1]) if spans else _after_answer_is(tail)
    region = (stated or next((line for line in reversed(tail.splitlines()) if line.strip()), "")).strip()
    region = _last_boxed(region) or region
    if len(region) > 4 * MAX_ANSWER:
        return None
    bare = _BARE.fullmatch(region)
    if bare:
        return bare.group(1).lower()
    letters = {m.lower() for pattern in _LETTERS for m in pattern.findall(region)}
    if stated:
        letters |= {m.lower() for m in _CAPITAL.findall(region)}
    if letters:
        return letters.pop() if len(letters) == 1 else None
    if options:
        value = extract_answer(region, ("last_number",))
        if value is not None:
            hits = {
                k
                for k, v in parse_options(options).items()
                if answers_match(value, v) or normalize_answer(value) == normalize_answer(v)
            }
            return hits.pop() if len(hits) == 1 else None
    return None
