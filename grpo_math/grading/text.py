"""Completion text, the limits every reader of model text keeps to, and brace matching (shared by the readers)."""

import re

from grpo_math.safe_math import MAX_LENGTH

FALLBACKS = ("boxed", "hash", "answer_is", "last_math", "last_number")
MAX_SCAN = 20_000  # fallbacks read only the tail of a completion, where a final answer is
MAX_ANSWER = MAX_LENGTH  # a normalised answer longer than the parser reads is not graded as math
MAX_SPANS = 16  # more <answer> blocks than this is spam, not an answer
BOXED = re.compile(r"\\(?:boxed|fbox)\s*(?:\{|([^\s${}]+))")  # \boxed{ or \boxed 5


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


def closing_brace(text: str, i: int) -> int | None:
    """Index of the brace closing the one at text[i] (looked for within 4 * MAX_ANSWER characters)."""
    depth = 0
    for j in range(i, min(len(text), i + 4 * MAX_ANSWER)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return j
    return None
