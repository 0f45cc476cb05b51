"""The quickstart's GRPO batch, for the benchmarks that time one part of its step.

The recipe's warm-started model (outputs/quickstart_sft when it has finished, else the embedded base model, or
`--model`) and its first training prompts in its chat template, each repeated for a group of rows and left-padded,
as TRL lays a generation batch out.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODEL_HELP = "default: outputs/quickstart_sft if there, else the embedded base"


def warm_model_path(recipe, model_dir: str | None = None) -> str:
    """`model_dir`, else outputs/quickstart_sft when it has finished, else the recipe's (embedded) model."""
    from grpo_math.model import resolve_model_path

    warm = ROOT / "outputs" / "quickstart_sft"
    return model_dir or (
        str(warm) if (warm / "config.json").is_file() else resolve_model_path(recipe.model.name_or_path)
    )


def quickstart_batch(model_dir: str | None, prompts: int, group: int):
    """(recipe, model path, tokenizer, fp32 model, batch of prompts * group rows)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from grpo_math.data import build_dataset
    from grpo_math.recipe import load_recipe

    recipe = load_recipe(["recipe=quickstart"])
    path = warm_model_path(recipe, model_dir)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    rows = build_dataset(recipe.data).select(range(prompts))
    texts = [tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=False) for row in rows]
    batch = tokenizer([t for t in texts for _ in range(group)], add_special_tokens=False, padding=True,
                      padding_side="left", return_tensors="pt")  # fmt: skip
    return recipe, path, tokenizer, model, batch


def sampled_rows(recipe, model, tokenizer, prompts):
    """The batch's rows as GRPO trains them: completions the model samples at the recipe's temperature (seed 0),
    appended to the prompts. Returns (ids, attention mask, completion mask, completion length); the completion mask
    is TRL's: up to and including the first end-of-sequence token."""
    import torch

    torch.manual_seed(0)
    with torch.no_grad():
        out = model.generate(**prompts, do_sample=True, temperature=recipe.trainer.temperature, top_k=0, top_p=1.0,
                             max_new_tokens=recipe.trainer.max_completion_length, pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    completion = out[:, prompts["input_ids"].shape[1] :]
    is_eos = completion == tokenizer.eos_token_id
    first_eos = torch.where(is_eos.any(1), is_eos.int().argmax(1), completion.shape[1])
    completion_mask = (torch.arange(completion.shape[1]) <= first_eos[:, None]).long()
    ids = torch.cat([prompts["input_ids"], completion], 1)
    mask = torch.cat([prompts["attention_mask"], completion_mask], 1)
    return ids, mask, completion_mask, completion.shape[1]
