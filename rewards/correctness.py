"""Correctness rewards: the final answer against the gold in the dataset's `answer` column.

Extraction and equivalence are grpo_math.grading's, the same the evaluator uses: the `<answer>` span first, then the
fallbacks; numbers compared by value through a safe, size-bounded parser (no eval, no sympify, no signal).
"""

from fractions import Fraction

from grpo_math.grading import FALLBACKS, answers_match, completion_text, extract_answer, parse_answer
from grpo_math.registry import reward


@reward(kind="correctness")
def numeric_correctness(
    completions, answer, *, fallbacks=FALLBACKS, latest_marker=True, **kwargs
) -> list[float | None]:
    r"""1.0 when the extracted final answer equals the gold `answer` by value, 0.0 when not, None when the gold is unparseable.

    Extraction policy (kwargs): the `<answer>` span first (several spans must agree); without one, text after a
    closing </think> only, and the `fallbacks` in order: "boxed" (the last \boxed{}), "hash" (after ####),
    "answer_is" ("the answer is X", "Final Answer: X"), "last_math" (the last $...$, \(...\) or \[...\] span),
    "last_number"; pass fewer to be stricter. `latest_marker` (default True): the explicit markers (boxed, hash,
    answer_is) are tried in the order they were last written, so "\boxed{255} ... Final Answer: 10,455" answers
    10455; False keeps the list's order. The default is the one that agrees most with math-verify's own test suite
    (benchmarks/rewards.py --sections suite). Normalised: `$`, thousands separators, units, `%`, trailing `.0`.
    Compared: integers exactly, fractions and expressions by value (3/4 = 0.75 = \frac{3}{4}), LaTeX \frac, \sqrt,
    \pi, relations, intervals, tuples, sets and matrices (sums and products too) through a bounded parse.

    Example:
    ```python
    >>> from rewards.correctness import numeric_correctness
    >>> completions = ["<answer>\n$1,000\n</answer>", "The answer is \\boxed{\\frac{3}{4}}", "<answer>\n17\n</answer>"]
    >>> numeric_correctness(completions, answer=["1000", "0.75", "18"])
    [1.0, 1.0, 0.0]
    >>> numeric_correctness(["so 18"], answer=["18"], fallbacks=())  # no <answer> span and no fallbacks
    [0.0]

    ```
    """
    fallbacks = tuple(fallbacks)
    scores = []
    for c, gold in zip(completions, answer, strict=True):
        ok = answers_match(extract_answer(completion_text(c), fallbacks, latest_marker), str(gold))
        scores.append(None if ok is None else float(ok))
    return scores


@reward(kind="format")
def integer_answer(completions, *, fallbacks=FALLBACKS, **kwargs) -> list[float]:
    """1.0 when the extracted final answer is an integer (GSM8K answers are), else 0.0; needs no gold.

    Extracted as numeric_correctness does; "1,000", "$18" and "18.0" are integers, "18.5", "3/4" and "x" are not.

    Example:
    ```python
    >>> from rewards.correctness import integer_answer
    >>> integer_answer(["<answer>\\n1,000\\n</answer>", "<answer>\\n18.5\\n</answer>", "no answer"])
    [1.0, 0.0, 0.0]

    ```
    """
    fallbacks = tuple(fallbacks)
    scores = []
    for c in completions:
        found = extract_answer(completion_text(c), fallbacks)
        scores.append(1.0 if found is not None and _integer(found) is not None else 0.0)
    return scores


@reward(kind="correctness")
def digit_credit(completions, answer, *, fallbacks=FALLBACKS, **kwargs) -> list[float | None]:
    """Partial credit for an integer answer: (right sign + digits right in their place, aligned from the ones) /
    (1 + the longer number's digit count). 1.0 only for the exact gold; 0.0 for an answer two or more digits longer
    than the gold; None when the gold is not an integer.

    Binary correctness gives a group whose completions are all wrong no gradient, and says nothing about how
    wrong: here 44 for 54 (the ones digit right, the carry missed) scores above 17, and -68 for 68 scores 2/3.

    Example:
    ```python
    >>> from rewards.correctness import digit_credit
    >>> digit_credit(["<answer>\\n54\\n</answer>", "<answer>\\n44\\n</answer>", "<answer>\\n17\\n</answer>"], answer=["54"] * 3)
    [1.0, 0.6666666666666666, 0.3333333333333333]
    >>> digit_credit(["<answer>\\n-68\\n</answer>", "<answer>\\n168\\n</answer>", "no answer"], answer=["68", "68", "68"])
    [0.6666666666666666, 0.75, 0.0]

    ```
    """
    fallbacks = tuple(fallbacks)
    scores = []
    for c, gold in zip(completions, answer, strict=True):
        want = _integer(str(gold))
        if want is None:
            scores.append(None)
            continue
        found = extract_answer(completion_text(c), fallbacks)
        got = _integer(found) if found is not None else None
        if got is None or abs(got) >= 10 ** (len(str(abs(want))) + 1):  # two or more digits too many: no near miss
            scores.append(0.0)
            continue
        a, b = str(abs(got))[::-1], str(abs(want))[::-1]
        right = ((got < 0) == (want < 0)) + sum(x == y for x, y in zip(a, b))
        scores.append(right / (1 + max(len(a), len(b))))
    return scores


def _integer(text: str) -> int | None:
    parsed = parse_answer(text)
    if parsed and isinstance(parsed[0], Fraction) and parsed[0].denominator == 1:
        return int(parsed[0])
    return None
