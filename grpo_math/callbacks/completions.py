"""A generation batch as table rows, judged the way evaluation judges (grpo_math.grading), and its batch metrics.

Pure functions over plain dicts, so they are tested without a trainer.
"""

import math


def score_rows(rows: list[dict], reward_names: list[str], reward_weights: list[float], xml: bool = True) -> list[dict]:
    """Raw rows {prompt, completion, gold, advantage, <reward>...} -> the table's rows:
    question, completion (text), gold, correct, formatted, each reward, total, advantage.

    `correct` is None where the row has no gold answer; `formatted` (strict XML) is None unless the prompts ask
    for XML (`xml`); `total` is the weighted sum of the rewards that applied, as TRL computes it (a reward
    returning None is NaN there and skipped).
    """
    from grpo_math.grading import answers_match, completion_text, extract_answer, has_xml_format

    out = []
    for r in rows:
        text = completion_text(r["completion"])
        gold = r.get("gold")
        scores = {name: _number(r.get(name)) for name in reward_names}
        out.append({
            "question": question_text(r["prompt"]),
            "completion": text,
            "gold": gold,
            "correct": None if gold is None else answers_match(extract_answer(text), gold) is True,
            "formatted": has_xml_format(text) if xml else None,
            **scores,
            "total": sum(w * s for w, s in zip(reward_weights, scores.values(), strict=True) if s is not None),
            "advantage": _number(r.get("advantage")),
        })  # fmt: skip
    return out


def batch_quality(rows: list[dict]) -> dict[str, float]:
    """`batch/accuracy` and `batch/format_rate` over the rows where each could be judged."""
    metrics = {}
    for name, column in (("accuracy", "correct"), ("format_rate", "formatted")):
        judged = [r[column] for r in rows if r[column] is not None]
        if judged:
            metrics[f"batch/{name}"] = sum(judged) / len(judged)
    return metrics


def question_text(prompt) -> str:
    """The last user message of a chat prompt (the system prompt is the same in every row), or the plain prompt."""
    if isinstance(prompt, str):
        return prompt
    users = [m.get("content") for m in prompt if isinstance(m, dict) and m.get("role") == "user"]
    content = users[-1] if users else (prompt[-1].get("content", "") if prompt else "")
    if isinstance(content, list):  # content blocks: keep the text ones
        content = " ".join(b.get("text", "") for b in content if isinstance(b, dict))
    return str(content)


def _number(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)
