"""Multiple choice (MathQA): the options a row lists, and the option letter a completion picks."""

import re

from grpo_math.grading.equivalence import answers_match
from grpo_math.grading.extract import _after_answer_is, _answer_spans, extract_answer, last_boxed
from grpo_math.grading.normalize import normalize_answer
from grpo_math.grading.text import MAX_ANSWER, MAX_SCAN, MAX_SPANS, completion_text

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
    region = last_boxed(region) or region
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
