"""Two evaluations of the same problems compared problem by problem: the difference in accuracy with its paired
standard error, and the problems gained and lost.

    grpo-math compare BASELINE.samples.jsonl OTHER.samples.jsonl [OTHER ...]

A paired difference (each problem's score under one model minus under the other) has a smaller standard error than
two accuracies side by side when both models find the same problems easy, which is the usual case for a model and
its own fine-tune. A problem's score is the share of its k samples that are right (1 or 0 when greedy).
"""

import json
import math
from pathlib import Path

from grpo_math.errors import RecipeError


def read_samples(path) -> dict[str, list[dict]]:
    """dataset -> its records, in the order asked (a *.samples.jsonl file that write_report wrote)."""
    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"{path} does not exist: pass an eval/*.samples.jsonl file that an evaluation wrote")
    sets: dict[str, list[dict]] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        try:
            record = json.loads(line)
            name, _, _ = record["dataset"], record["question"], record["correct"]
        except (ValueError, KeyError, TypeError):
            raise RecipeError(
                f"{path}:{number} is not an evaluation sample record (dataset, question, correct): pass a "
                "*.samples.jsonl file that an evaluation wrote"
            ) from None
        sets.setdefault(name, []).append(record)
    return sets


def paired_difference(base: list[dict], other: list[dict]) -> dict:
    """other minus base, over the same problems in the same order."""
    if len(base) != len(other) or any(a["question"] != b["question"] for a, b in zip(base, other)):
        raise RecipeError(
            f"the two evaluations asked different problems ({len(base)} vs {len(other)}, or in another order): "
            "compare evaluations of the same eval.datasets, eval.limit and data seed"
        )
    if not base:
        raise RecipeError("no problems to compare")
    a, b = [_score(r) for r in base], [_score(r) for r in other]
    d = [y - x for x, y in zip(a, b)]
    n = len(d)
    mean = sum(d) / n
    se = math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1) / n) if n > 1 else float("nan")
    return {
        "n": n,
        "base": sum(a) / n,
        "other": sum(b) / n,
        "difference": mean,
        "se": se,
        "gained": sum(x > 0 for x in d),
        "lost": sum(x < 0 for x in d),
    }


def describe(p: dict) -> str:
    return (
        f"{100 * p['base']:.1f}% -> {100 * p['other']:.1f}%, {100 * p['difference']:+.1f} points "
        f"(paired SE {100 * p['se']:.1f}, n={p['n']}; {p['gained']} problems gained, {p['lost']} lost)"
    )


def _score(record: dict) -> float:
    return sum(map(bool, record["correct"])) / len(record["correct"])


def main(argv: list[str]) -> int:
    if len(argv) < 2 or any(a.startswith("-") for a in argv):
        raise RecipeError("usage: grpo-math compare BASELINE.samples.jsonl OTHER.samples.jsonl [OTHER ...]")
    base_path, *others = argv
    base = read_samples(base_path)
    for path in others:
        other = read_samples(path)
        for name in base:
            if name in other:
                print(f"{name}: {path} vs {base_path}: {describe(paired_difference(base[name], other[name]))}")
        if not set(base) & set(other):
            raise RecipeError(f"{path} and {base_path} share no dataset ({', '.join(other)} vs {', '.join(base)})")
    return 0
