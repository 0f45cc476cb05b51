"""From a recipe's `data` section to one shuffled datasets.Dataset in TRL's conversational format."""

from grpo_math.data.adapters import get_adapter
from grpo_math.errors import RecipeError
from grpo_math.prompts import get_prompt_style, with_system_prompt


def source_columns(data_cfg) -> set[str]:
    """Columns the built dataset will have, known without loading anything (for preflight)."""
    cols = {"prompt", "question", "source"}
    for name, source in data_cfg.sources.items():
        cols |= set(get_adapter(source.adapter or name).columns)
    return cols


def load_source(name: str, source, prompt: str, system_prompt: str | None = None, seed: int = 42):
    """One adapter's problems as a Dataset {prompt, answer, solution, question}."""
    import datasets

    style = get_prompt_style(prompt)
    adapter = get_adapter(source.adapter or name)
    rows = []
    for record in adapter.records(source, seed):
        messages = style.messages(record["question"], **{k: v for k, v in record.items() if k != "question"})
        rows.append({"prompt": with_system_prompt(messages, system_prompt), **record, "source": name})
    if not rows:
        raise RecipeError(f"data source {name!r} produced no problems: check its path, split and size")
    return datasets.Dataset.from_list(rows)


def build_dataset(data_cfg):
    import datasets

    if not data_cfg.sources:
        raise RecipeError("data.sources is empty: name at least one dataset, e.g. data.sources.gsm8k={}")
    parts = [
        load_source(name, src, data_cfg.prompt, data_cfg.system_prompt, data_cfg.seed)
        for name, src in data_cfg.sources.items()
    ]
    ds = datasets.concatenate_datasets(parts) if len(parts) > 1 else parts[0]
    return ds.shuffle(seed=data_cfg.seed) if data_cfg.shuffle else ds


def drop_long_prompts(ds, tokenizer, max_tokens: int | None):
    """Drop (never truncate: a cut question has a different answer) prompts over `max_tokens`, and say how many."""
    if not max_tokens:
        return ds

    def short(row):
        ids = tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=True)
        ids = ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids
        return len(ids) <= max_tokens

    kept = ds.filter(short)
    if len(kept) < len(ds):
        print(f"[grpo-math] dropped {len(ds) - len(kept)}/{len(ds)} prompts longer than {max_tokens} tokens")
    if len(kept) == 0:
        raise RecipeError(f"every prompt is longer than data.max_prompt_length={max_tokens}: raise it")
    return kept
