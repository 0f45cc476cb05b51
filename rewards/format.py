r"""Format rewards for the reference run's XML shape: `<reasoning>\n...\n</reasoning>\n<answer>\n...\n</answer>`.

Two of the reference demo script's format rewards silently fail or mislead: its strict regex has no DOTALL, so
multi-line reasoning never matches, and its tag counter subtracts for the text after `</answer>` as if the end of
the completion were one character long, so a completion that stops at EOS right after `</answer>` loses credit.
Here the whole completion is matched, reasoning may span lines, and ending right after `</answer>` is full credit.
"""

from grpo_math.grading import completion_text, has_xml_format
from grpo_math.registry import reward

# The four tags with the newlines the reference prompt asks for; `</answer>` may be the very end (EOS).
XML_TAGS = ("<reasoning>\n", "\n</reasoning>\n", "\n<answer>\n", "\n</answer>")


@reward(kind="format")
def xml_format(completions, *, strict: bool = True, **kwargs) -> list[float]:
    r"""1.0 when the whole completion is the XML format with each tag exactly once, else 0.0.

    strict=True: the exact newlines `<reasoning>\n...\n</reasoning>\n<answer>\n...\n</answer>` (an optional final
    newline); strict=False: any whitespace around and between the two blocks. Reasoning may span several lines; the
    answer must not be empty. Duplicated blocks or text after `</answer>` score 0.0.

    Example:
    ```python
    >>> from rewards.format import xml_format
    >>> good = "<reasoning>\nHe has 3 + 4 = 7.\nSo 7.\n</reasoning>\n<answer>\n7\n</answer>"
    >>> xml_format([good, good + "\nAnything else?", "<reasoning>7</reasoning> <answer>7</answer>"])
    [1.0, 0.0, 0.0]
    >>> xml_format([[{"role": "assistant", "content": "<reasoning>7</reasoning> <answer>7</answer>"}]], strict=False)
    [1.0]

    ```
    """
    return [1.0 if has_xml_format(completion_text(c), strict) else 0.0 for c in completions]


@reward(kind="format")
def xml_count(completions, **kwargs) -> list[float]:
    r"""Partial credit in [0, 1]: 0.25 for each of the four XML tags present exactly once with its newlines.

    Gives a model that does not yet produce the format a gradient towards it. Text after `</answer>` costs 0.001 per
    character (at most 0.25); ending right after `</answer>`, or with one newline, costs nothing.

    Example:
    ```python
    >>> from rewards.format import xml_count
    >>> xml_count(["<reasoning>\n7\n</reasoning>\n<answer>\n7\n</answer>", "<reasoning>\n7", "7", "\n<answer>\n7\n</answer>xyz"])
    [1.0, 0.25, 0.0, 0.497]

    ```
    """
    scores = []
    for c in completions:
        text = completion_text(c)
        score = sum(0.25 for tag in XML_TAGS if text.count(tag) == 1)
        end = text.rfind("</answer>")
        if end >= 0:
            score -= min(0.25, 0.001 * len(text[end + len("</answer>") :].strip()))
        scores.append(round(max(0.0, score), 6))
    return scores
