"""SFT data in the target format: each problem's worked solution, written exactly as the prompt style asks.

The same adapters and prompt styles as GRPO build the prompts, so a cold start teaches the very shape the
rewards and the evaluator check: prompt = the chat messages GRPO will send, completion = one assistant turn
`style.format_completion(solution, answer)`. Offline the solutions come from the generators (gsm_symbolic's
chain of thought, basic_arithmetic's solver steps); GSM8K train rationales come from the hub or a local file.
TRL's SFTTrainer takes this prompt/completion dataset as is and puts the loss on the completion only.
"""

from grpo_math.data import build_dataset, get_adapter
from grpo_math.data.build import drop_long_prompts
from grpo_math.errors import RecipeError
from grpo_math.prompts import get_prompt_style


def check_sources(data_cfg) -> None:
    """Every source must have worked solutions: known from the adapters, before anything loads."""
    if not data_cfg.sources:
        raise RecipeError(
            "data.sources is empty: name at least one dataset with solutions, e.g. data.sources.gsm_symbolic={}"
        )
    for name, source in data_cfg.sources.items():
        adapter = get_adapter(source.adapter or name)
        if "solution" not in adapter.columns:
            raise RecipeError(
                f"data source {name!r} (adapter {adapter.name}) has no worked solutions to imitate: "
                "SFT needs an adapter with a `solution` column (gsm8k, gsm_symbolic, basic_arithmetic)"
            )


def completion_messages(style, solution: str, answer: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": style.format_completion(solution.strip(), answer)}]


def build_sft_dataset(data_cfg, tokenizer=None):
    """datasets.Dataset {prompt, completion, answer, source}; rows without a solution are dropped (and counted)."""
    check_sources(data_cfg)
    style = get_prompt_style(data_cfg.prompt)
    ds = build_dataset(data_cfg)
    if tokenizer is not None:
        ds = drop_long_prompts(ds, tokenizer, data_cfg.max_prompt_length)
    with_solution = ds.filter(lambda row: bool(row["solution"] and row["solution"].strip()))
    if len(with_solution) < len(ds):
        print(
            f"[grpo-math] cold start: dropped {len(ds) - len(with_solution)}/{len(ds)} problems with no worked solution"
        )
    if len(with_solution) == 0:
        raise RecipeError("no problem in data.sources has a worked solution: SFT has nothing to imitate")
    keep = {"prompt", "answer", "source"}
    return with_solution.map(
        lambda row: {"completion": completion_messages(style, row["solution"], row["answer"])},
        remove_columns=[c for c in with_solution.column_names if c not in keep],
    )
