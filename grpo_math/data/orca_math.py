"""Orca-Math word problems: hub `microsoft/orca-math-word-problems-200k` or a local file with {question, answer}.

Its `answer` is a worked solution in prose (GPT-4 Turbo's), the SFT target; the gold is the last number the
solution states (rows that state none keep an empty gold: fine for SFT, counted by the gold check for GRPO).
"""

from grpo_math.data.adapters import Adapter
from grpo_math.data.hub import load_rows
from grpo_math.grading import extract_answer

HUB_ID = "microsoft/orca-math-word-problems-200k"


def records(source, seed: int):
    ds, _ = load_rows(source, "orca_math", HUB_ID, ["question", "answer"])
    for row in ds:
        solution = str(row["answer"] or "").strip()
        yield {"question": row["question"], "answer": extract_answer(solution) or "", "solution": solution}


ADAPTER = Adapter("orca_math", records, columns=("answer", "solution"), hub_id=HUB_ID, num_rows={"train": 200035})
