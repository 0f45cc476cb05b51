"""Multiple-choice reward (MathQA style): the option letter a completion picks against the gold letter."""

from grpo_math.grading import completion_text, extract_choice
from grpo_math.registry import reward


@reward(kind="correctness")
def multiple_choice(completions, answer, options, **kwargs) -> list[float | None]:
    """1.0 when the completion picks the gold option letter, 0.0 when another, two different, or none; None when the gold is not a letter a-e.

    Extracted from the `<answer>` span, else the last "the answer is ..." sentence, else the last line: `c`, `(C)`,
    `C) 18`, `Option C`, "the answer is (c)", or the option's value ("18") when exactly one option in the
    `options` column (`a ) 12 , b ) 16 , c ) 18 , ...`) has it.

    Example:
    ```python
    >>> from rewards.choice import multiple_choice
    >>> opts = "a ) 12 , b ) 16 , c ) 18 , d ) 20 , e ) 24"
    >>> completions = ["So the answer is (c).", "<answer>\\nC) 18\\n</answer>", "The answer is 18.", "It is (a) or (c)."]
    >>> multiple_choice(completions, answer=["c"] * 4, options=[opts] * 4)
    [1.0, 1.0, 1.0, 0.0]

    ```
    """
    scores = []
    for c, gold, opts in zip(completions, answer, options, strict=True):
        gold = str(gold).strip().strip("()").strip().lower()
        if len(gold) != 1 or gold not in "abcde":
            scores.append(None)
        else:
            scores.append(1.0 if extract_choice(completion_text(c), opts) == gold else 0.0)
    return scores
