"""Correctness rewards: the final answer against the gold in the dataset's `answer` column.

Extraction and equivalence are grpo_math.grading's, the same the evaluator uses: the `<answer>` span first, then the
fallbacks; numbers compared by value through a safe, size-bounded parser (no eval, no sympify, no signal).
"""

from fractions import Fraction

from grpo_math.grading import FALLBACKS, answers_match, completion_text, extract_answer, parse_answer
from grpo_math.registry import reward


@reward(kind="correctness")
def numeric_correctness(completions, answer, *, fallbacks=FALLBACKS, **kwargs) -> list[float | None]:
    r"""1.0 when the extracted final answer equals the gold `answer` by value, 0.0 when not, None when the gold is unparseable.

    Extracted: the `<answer>` span (several spans must agree), else in order the `fallbacks` ("boxed", "hash",
    "answer_is", "last_math", "last_number"; pass fewer to be stricter). Normalised: `$`, thousands commas, units, `%`, trailing
    `.0`. Compared: integers exactly, fractions and expressions by value (3/4 = 0.75 = \frac{3}{4}), LaTeX \frac,
    \sqrt, \pi, intervals and tuples through sympy objects built from a whitelisted parse.

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
        ok = answers_match(extract_answer(completion_text(c), fallbacks), str(gold))
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
        parsed = parse_answer(found) if found is not None else None
        scores.append(1.0 if parsed and isinstance(parsed[0], Fraction) and parsed[0].denominator == 1 else 0.0)
    return scores
