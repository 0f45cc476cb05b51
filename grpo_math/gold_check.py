"""Before training: which rows' gold answers each gold-reading reward cannot read (those rows would score None or 0).

A reward that cannot read a row's gold returns None there, and TRL leaves the row out of that reward without a
word; a gold in a shape no completion can match (a whole worked solution, read as text) scores 0 on every
completion. Either way a dataset whose `answer` column is in the wrong shape would train on format alone. Each
reward that takes the `answer` column scores the gold itself, put in `<answer>` tags, on every row: a readable
gold scores as well as the best of them.
"""

import logging

from grpo_math.errors import RecipeError

logger = logging.getLogger(__name__)


def check_golds(dataset, reward_funcs, column: str = "answer") -> dict[str, int]:
    """{reward name: rows whose gold it cannot read}; a one-line warning for some, a RecipeError for all."""
    from grpo_math.registry import required_columns

    if column not in dataset.column_names or len(dataset) == 0:
        return {}
    golds = [str(g) for g in dataset[column]]
    columns = {c: dataset[c] for c in dataset.column_names if c != "prompt"}
    completions = [[{"role": "assistant", "content": f"<answer>\n{g}\n</answer>"}] for g in golds]
    unreadable = {}
    for func in reward_funcs:
        if column not in required_columns(getattr(func, "func", func)):
            continue
        name = getattr(func, "__name__", repr(func))
        try:
            scores = func(prompts=dataset["prompt"], completions=completions, **columns)
        except RecipeError:
            raise
        except Exception as e:  # noqa: BLE001 -- a reward that crashes on the golds would crash the first step
            raise RecipeError(
                f"reward {name!r} fails on the dataset's own gold answers ({type(e).__name__}: {e})"
            ) from None
        # unreadable: None, or less than the best any gold scored against itself (a worked solution in the answer
        # column is read as text and matches no extracted answer: it would score 0 on every completion)
        top = max((s for s in scores if s is not None), default=None)
        bad = [g for g, s in zip(golds, scores, strict=True) if s is None or not top or s < top]
        if len(bad) == len(golds):
            raise RecipeError(
                f"reward {name!r} cannot read any gold {column!r} of the dataset (e.g. {bad[0][:60]!r}): every row "
                "would score None; use a reward that reads this dataset's answers, or fix the data's answer column"
            )
        if bad:
            print(
                f"[grpo-math] reward {name} cannot read the gold {column} of {len(bad)} of {len(golds)} rows "
                f"(e.g. {bad[0][:60]!r}): those rows score None for it",
                flush=True,
            )
        unreadable[name] = len(bad)
    return unreadable
