"""Length and repetition shaping: TRL's own rewards, reachable from a recipe by name.

These score token ids (TRL passes `completion_ids`), not text, and are penalties (<= 0). They are factories:
the recipe's kwargs make the reward, e.g. `rewards.overlong: {fn: soft_overlong, weight: 1.0,
kwargs: {max_completion_len: 200, soft_punish_cache: 50}}`.
"""

from grpo_math.registry import reward


@reward(kind="shaping", factory=True)
def soft_overlong(max_completion_len: int, soft_punish_cache: int):
    """DAPO's soft overlong punishment (trl.rewards.get_soft_overlong_punishment): 0 up to the cache zone, -1 past the limit.

    Score range [-1, 0]: 0.0 for completions of at most `max_completion_len - soft_punish_cache` tokens, falling
    linearly to -1.0 at `max_completion_len`, -1.0 beyond. Left out, `max_completion_len` is the run's trainer.max_completion_length.

    Example:
    ```python
    >>> from rewards.shaping import soft_overlong
    >>> reward = soft_overlong(max_completion_len=100, soft_punish_cache=20)
    >>> reward(completion_ids=[[1] * 50, [1] * 90, [1] * 120])
    [0.0, -0.5, -1.0]

    ```
    """
    from trl.rewards import get_soft_overlong_punishment

    return get_soft_overlong_punishment(max_completion_len, soft_punish_cache)


@reward(kind="shaping", factory=True)
def repetition_penalty(ngram_size: int = 3, max_penalty: float = -1.0):
    """Repeated token n-grams penalised (trl.rewards.get_repetition_penalty_reward): 0 for none, `max_penalty` for all.

    Score range [max_penalty, 0]: (1 - unique n-grams / n-grams) * max_penalty over the completion's token ids.

    Example:
    ```python
    >>> from rewards.shaping import repetition_penalty
    >>> reward = repetition_penalty(ngram_size=2)
    >>> reward(completion_ids=[[1, 2, 3, 4], [5, 5, 5, 5, 5]])
    [0.0, -0.75]

    ```
    """
    from trl.rewards import get_repetition_penalty_reward

    return get_repetition_penalty_reward(ngram_size, max_penalty)
