"""GSM8K: hub `openai/gsm8k` (config main) or a local jsonl/parquet with {question, answer}.

The gold is the number after `####` with thousands separators removed; the rationale before it (calculator
annotations `<<48/2=24>>` stripped) becomes `solution`, usable as an SFT target.
"""

import re

from grpo_math.data.adapters import Adapter
from grpo_math.data.hub import load_rows
from grpo_math.errors import RecipeError

HUB_ID = "openai/gsm8k"
_CALC = re.compile(r"<<[^>]*>>")


def split_gsm8k_answer(text: str) -> tuple[str, str]:
    """'...rationale...\\n#### 1,234' -> ('...rationale...', '1234')."""
    rationale, sep, final = text.rpartition("####")
    if not sep or not final.strip():
        raise ValueError("no '#### <answer>' line")
    return _CALC.sub("", rationale).strip(), final.strip().replace(",", "")


def records(source, seed: int):
    ds, where = load_rows(source, "gsm8k", HUB_ID, ["question", "answer"], hub_config="main")
    for i, row in enumerate(ds):
        try:
            solution, answer = split_gsm8k_answer(row["answer"])
        except ValueError:
            raise RecipeError(
                f"{where} row {i}: answer has no '#### <number>' line; is this GSM8K-formatted?"
            ) from None
        yield {"question": row["question"], "answer": answer, "solution": solution}


ADAPTER = Adapter(
    "gsm8k", records, columns=("answer", "solution"), hub_id=HUB_ID, num_rows={"train": 7473, "test": 1319}
)
