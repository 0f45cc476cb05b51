"""Per-dataset metrics from scored samples: accuracy (lenient), strict accuracy, format rate, pass@k, maj@k.

Pure arithmetic on already-scored samples, so it is tested without a model. With k samples per problem,
`accuracy` is the mean over all samples (the unbiased pass@1 estimate); with k = 1 and greedy decoding it is
plain pass@1.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import comb


@dataclass(frozen=True)
class Sample:
    """One completion, already scored against its problem's gold answer."""

    correct: bool  # lenient: the answer found anywhere in the completion matches the gold
    strict_correct: bool  # the style's required format holds and the answer in the required place matches
    formatted: bool  # the style's required format holds
    length: int  # completion tokens
    answer: str | None  # the lenient answer, for majority voting (None: nothing found)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): P(at least one of k draws from n samples, c correct, is correct).

    1 - C(n-c, k) / C(n, k), computed exactly with integers.

    >>> pass_at_k(n=4, c=1, k=2)
    0.5
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n, got n={n} c={c} k={k}")
    return 1.0 - comb(n - c, k) / comb(n, k)


def majority_answer(answers: Sequence[str | None], same: Callable[[str, str], bool | None]) -> str | None:
    """The most common answer, grouping equivalent forms (`same`, e.g. 18 and 18.00) into one vote.

    Samples without an answer do not vote. A tie goes to the answer seen first, so maj@k is deterministic.

    >>> majority_answer(["3", "4", "4", None, "3"], lambda a, b: a == b)
    '3'
    """
    groups: list[list[str]] = []  # each group: equivalent answers, in order of first appearance
    for answer in answers:
        if answer is None:
            continue
        for group in groups:
            if same(group[0], answer):
                group.append(answer)
                break
        else:
            groups.append([answer])
    if not groups:
        return None
    best = max(len(g) for g in groups)
    return next(g[0] for g in groups if len(g) == best)  # first-seen wins a tie


def dataset_metrics(problems: Sequence[Sequence[Sample]], maj_correct: Sequence[bool] | None = None) -> dict:
    """Metrics for one dataset. `problems[i]` holds problem i's k samples; `maj_correct[i]` whether its
    majority answer is right (computed by the caller, who knows the gold and the equivalence)."""
    if not problems:
        raise ValueError("no problems to score")
    k = len(problems[0])
    if any(len(s) != k for s in problems):
        raise ValueError("every problem needs the same number of samples")
    samples = [s for group in problems for s in group]
    out = {
        "accuracy": _mean(s.correct for s in samples),
        "strict_accuracy": _mean(s.strict_correct for s in samples),
        "format_rate": _mean(s.formatted for s in samples),
        "mean_length": _mean(s.length for s in samples),
        "n": len(problems),
        "k": k,
    }
    if k > 1:
        out[f"pass@{k}"] = _mean(pass_at_k(k, sum(s.correct for s in group), k) for group in problems)
        if maj_correct is not None:
            out[f"maj@{k}"] = _mean(maj_correct)
    return out


def _mean(values) -> float:
    values = [float(v) for v in values]
    return sum(values) / len(values)
