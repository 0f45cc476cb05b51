r"""Score completions: the rewards' definition of correct (grpo_math.grading), lenient and strict, per prompt style.

lenient: the answer found anywhere (the <answer> span, \boxed, ####, "the answer is", the last number; for
multiple choice the option letter or its value), exactly what numeric_correctness / multiple_choice reward.
strict: the style's required format holds and the answer in the required place is right:
  xml       the whole completion is <reasoning>\n...\n</reasoning>\n<answer>\n...\n</answer> (has_xml_format strict)
  boxed     a \boxed{...} holds the answer
  metamath  "The answer is: X"
  mathqa    a single option letter in "The answer is (x)"
"""

import re

from grpo_math.evaluate.datasets import Problem
from grpo_math.evaluate.generate import Completion
from grpo_math.evaluate.metrics import Sample, dataset_metrics, majority_answer
from grpo_math.grading import answers_match, extract_answer, extract_choice, has_xml_format

_ANSWER_IS = re.compile(r"\bthe answer is\b", re.IGNORECASE)
_MATHQA_PHRASE = re.compile(
    r"\bthe answer is\s*:?\s*(?:\(\s*([a-e])\s*\)|([a-e])(?:\s*\)|\s*[.!]?\s*$))", re.IGNORECASE | re.MULTILINE
)


def same_answer(pred: str | None, gold: str) -> bool:
    """answers_match, the rewards' definition (text answers such as MATH's '\\text{Evelyn}' compare as text there);
    a gold it cannot judge (empty) counts no prediction as right."""
    return answers_match(pred, gold) is True


def formatted(text: str, style: str) -> bool:
    """Does the completion hold the style's required format?"""
    if style == "xml":
        return has_xml_format(text, strict=True)
    if style == "boxed":
        return "\\boxed" in text and extract_answer(text, ("boxed",)) is not None
    if style == "metamath":
        return "The answer is:" in text
    if style == "alpaca":
        return _ANSWER_IS.search(text) is not None
    if style == "mathqa":
        return _MATHQA_PHRASE.search(text) is not None
    raise ValueError(f"no format rule for prompt style {style!r}")


def strict_answer(text: str, style: str, problem: Problem) -> str | None:
    """The answer in the style's required place (None when the format does not hold)."""
    if not formatted(text, style):
        return None
    if style == "mathqa":
        m = list(_MATHQA_PHRASE.finditer(text))[-1]
        return (m.group(1) or m.group(2)).lower()
    # the required place: the <answer> span (xml; the format guarantees exactly one), the last \boxed{}, "answer is:"
    found = extract_answer(text, {"xml": (), "boxed": ("boxed",), "metamath": ("answer_is",)}[style])
    if problem.options:
        return extract_choice(text if style == "xml" else (found or ""), _options_text(problem))
    return found


def lenient_answer(text: str, problem: Problem) -> str | None:
    if problem.options:
        return extract_choice(text, _options_text(problem))
    return extract_answer(text)


def _options_text(problem: Problem) -> str:
    return " , ".join(f"{k} ) {v}" for k, v in problem.options.items())  # MathQA's own layout, which answer.py reads


def is_right(answer: str | None, problem: Problem) -> bool:
    if problem.options:
        return answer is not None and answer == problem.gold
    return same_answer(answer, problem.gold)


def score(completion: Completion, problem: Problem, style: str) -> Sample:
    answer = lenient_answer(completion.text, problem)
    strict = strict_answer(completion.text, style, problem)
    return Sample(
        correct=is_right(answer, problem),
        strict_correct=strict is not None and is_right(strict, problem),
        formatted=formatted(completion.text, style),
        length=completion.length,
        answer=answer,
    )


def score_dataset(problems: list[Problem], completions: list[list[Completion]], style: str) -> dict:
    """Metrics for one dataset from each problem's k completions."""
    return metrics_of(problems, score_all(problems, completions, style))


def score_all(problems: list[Problem], completions: list[list[Completion]], style: str) -> list[list[Sample]]:
    return [[score(c, p, style) for c in cs] for p, cs in zip(problems, completions, strict=True)]


def metrics_of(problems: list[Problem], scored: list[list[Sample]]) -> dict:
    maj = None
    if scored and len(scored[0]) > 1:
        maj = []
        for p, samples in zip(problems, scored):
            same = (lambda a, b: a == b) if p.options else (lambda a, b: same_answer(a, b))
            maj.append(is_right(majority_answer([s.answer for s in samples], same), p))
    return dataset_metrics(scored, maj)


def sample_records(problems: list[Problem], completions: list[list[Completion]], scored: list[list[Sample]]) -> list:
    """One JSON-ready record per problem: what was asked, each completion, the answer found and whether it was right
    (the lines of eval/*.samples.jsonl, which `grpo-math compare` pairs problem by problem)."""
    return [
        {
            "question": p.question,
            "gold": p.gold,
            "completions": [c.text for c in cs],
            "answers": [s.answer for s in ss],
            "correct": [s.correct for s in ss],
            "strict_correct": [s.strict_correct for s in ss],
        }
        for p, cs, ss in zip(problems, completions, scored, strict=True)
    ]
