"""MetaMathQA: hub `meta-math/MetaMathQA` or a local file with {query, response} (and `type`, `original_question`).

Every response ends "The answer is: X" (the MetaMath card's format): the text before is the solution, X the gold, and
the `metamath` prompt style writes them back exactly so. `config: {types: [GSM_Rephrased, MATH_FOBAR, ...]}` keeps
only those augmentation types.
"""

from grpo_math.data.adapters import Adapter
from grpo_math.data.hub import final_answer_after, load_rows
from grpo_math.errors import RecipeError

HUB_ID = "meta-math/MetaMathQA"


def records(source, seed: int):
    ds, where = load_rows(source, "metamathqa", HUB_ID, ["query", "response"])
    types = set(source.config.get("types") or [])
    if types and "type" not in ds.column_names:
        raise RecipeError(f"{where} has no `type` column to select config.types from: unset config.types")
    unreadable = 0
    for row in ds:
        if types and row["type"] not in types:
            continue
        split = final_answer_after("The answer is:", str(row["response"] or ""))
        if split is None:
            unreadable += 1
            continue
        yield {"question": row["query"], "answer": split[1], "solution": split[0]}
    if unreadable:
        print(f"[grpo-math] metamathqa: skipped {unreadable} responses without 'The answer is: X'")


ADAPTER = Adapter("metamathqa", records, columns=("answer", "solution"), hub_id=HUB_ID, num_rows={"train": 395000})
