"""MATH (Hendrycks et al.): hub `EleutherAI/hendrycks_math` (one config per subject) or a local file with
{problem, solution} (and `level`, `type`).

The gold is the last `\\boxed{}` of the solution, the form MATH-500 grades against; the solution with that box is the
SFT target. `size` takes an equal share from each subject. `config: {subjects: [algebra, ...], levels: [1, 2]}` narrows it (default: all seven subjects, all levels).
"""

from grpo_math.data.adapters import Adapter
from grpo_math.data.hub import load_rows
from grpo_math.errors import RecipeError, did_you_mean
from grpo_math.grading.extract import last_boxed

HUB_ID = "EleutherAI/hendrycks_math"
SUBJECTS = ("algebra", "counting_and_probability", "geometry", "intermediate_algebra", "number_theory",
            "prealgebra", "precalculus")  # fmt: skip


def _levels(config) -> set[str]:
    return {f"Level {int(level)}" for level in config.get("levels") or []}


def records(source, seed: int):
    subjects = list(source.config.get("subjects") or SUBJECTS)
    for s in subjects:
        if s not in SUBJECTS:
            raise RecipeError(f"hendrycks_math: unknown subject {s!r}{did_you_mean(s, SUBJECTS)}")
    needed = ["problem", "solution"]
    if source.path:
        parts = [load_rows(source, "hendrycks_math", HUB_ID, needed, size=None)]
    else:
        parts = [load_rows(source, "hendrycks_math", HUB_ID, needed, hub_config=s, size=None) for s in subjects]
    quota = -(-source.size // len(parts)) if source.size else None  # every subject its share of `size`
    levels, made = _levels(source.config), 0
    for ds, where in parts:
        taken = 0
        for i, row in enumerate(ds):
            if levels and row.get("level") not in levels:
                continue
            answer = last_boxed(str(row["solution"]))
            if not answer:
                raise RecipeError(f"{where} row {i}: the solution has no \\boxed{{}} answer; is this MATH-formatted?")
            yield {"question": row["problem"], "answer": answer, "solution": str(row["solution"]).strip()}
            taken, made = taken + 1, made + 1
            if (quota and taken >= quota) or (source.size and made >= source.size):
                break


ADAPTER = Adapter(
    "hendrycks_math", records, columns=("answer", "solution"), hub_id=HUB_ID, num_rows={"train": 7500, "test": 5000}
)
