"""MathQA (five-option word problems): hub `regisss/math_qa` or a local file with {Problem|problem, options, correct}.

`allenai/math_qa` is a loading-script dataset that datasets>=4 refuses; `regisss/math_qa` is its parquet mirror
(same rows: train 29837 / validation 4475 / test 2985). The rationale (its trailing "answer : c" dropped) is the SFT
target; the gold is the correct letter, and `options` is written the way every prompt shows it ("a) 12, b) 16, ...").
"""

import re

from grpo_math.data.adapters import Adapter
from grpo_math.data.hub import load_rows
from grpo_math.errors import RecipeError
from grpo_math.grading import parse_options
from grpo_math.prompts import options_text

HUB_ID = "regisss/math_qa"
_TRAILING_ANSWER = re.compile(r"\s*answer\s*:?\s*\(?\s*[a-e]\s*\)?\s*\.?\s*$", re.IGNORECASE)


def clean_rationale(text: str) -> str:
    """'"5 / 6 * 3 / 2 = 3 / 2 answer : d"' -> '5 / 6 * 3 / 2 = 3 / 2' (quotes and the stated letter dropped)."""
    text = str(text or "").strip().strip('"').strip()
    return _TRAILING_ANSWER.sub("", text).strip()


def records(source, seed: int):
    ds, where = load_rows(source, "mathqa", HUB_ID, ["options", "correct"])
    question_column = next((c for c in ("Problem", "problem") if c in ds.column_names), None)
    if question_column is None:
        raise RecipeError(f"{where} has no Problem/problem column; it has: {', '.join(ds.column_names)}")
    rationale_column = next((c for c in ("Rationale", "rationale") if c in ds.column_names), None)
    for i, row in enumerate(ds):
        options = parse_options(row["options"])
        gold = str(row["correct"]).strip().lower()
        if len(options) != 5 or gold not in options:
            raise RecipeError(
                f"{where} row {i}: expected options a-e and a correct letter among them, got options "
                f"{str(row['options'])[:80]!r} and correct {row['correct']!r}"
            )
        yield {
            "question": row[question_column],
            "options": options_text(options),
            "answer": gold,
            "solution": clean_rationale(row[rationale_column]) if rationale_column else "",
        }


ADAPTER = Adapter(
    "mathqa", records, columns=("answer", "options", "solution"), hub_id=HUB_ID,
    num_rows={"train": 29837, "validation": 4475, "test": 2985},
)  # fmt: skip
