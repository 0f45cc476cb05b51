"""MathInstruct (MAmmoTH's data): hub `TIGER-Lab/MathInstruct` or a local file with {instruction, output, source}.

It mixes chain-of-thought rationales with program-of-thought ones (Python programs). Only the CoT rows are kept
unless `config: {cot_only: false}`: a row is CoT when its `source` names a CoT file (data/CoT/...). A CoT output
ending in "The answer is X" is split into solution and gold X; other rows keep the whole output as the solution.
"""

from grpo_math.data.adapters import Adapter
from grpo_math.data.hub import final_answer_after, load_rows
from grpo_math.errors import RecipeError

HUB_ID = "TIGER-Lab/MathInstruct"


def is_cot(row_source: str) -> bool:
    return "/cot/" in f"/{str(row_source).lower().strip('/')}/"


def records(source, seed: int):
    cot_only = bool(source.config.get("cot_only", True))
    # `size` counts the rows kept, after the CoT filter
    ds, where = load_rows(source, "math_instruct", HUB_ID, ["instruction", "output", "source"], size=None)
    kept = 0
    for row in ds:
        if cot_only and not is_cot(row["source"]):
            continue
        output = str(row["output"] or "").strip()
        split = final_answer_after("The answer is", output)
        solution, answer = split if split else (output, "")
        yield {"question": row["instruction"], "answer": answer.strip(":").strip(), "solution": solution}
        kept += 1
        if source.size and kept >= source.size:
            return
    if kept == 0:
        raise RecipeError(f"{where} has no chain-of-thought rows (source data/CoT/...): set config.cot_only=false")


ADAPTER = Adapter("math_instruct", records, columns=("answer", "solution"), hub_id=HUB_ID, num_rows={"train": 262039})
