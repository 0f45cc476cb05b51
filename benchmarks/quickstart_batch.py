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


def quickstart_batch(model_dir: str | None, prompts: int, group: int):
    """(recipe, model path, tokenizer, fp32 model, batch of prompts * group rows)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from grpo_math.data import build_dataset
    from grpo_math.model import resolve_model_path
    from grpo_math.recipe import load_recipe

    recipe = load_recipe(["recipe=quickstart"])
    warm = ROOT / "outputs" / "quickstart_sft"
    path = model_dir or (
        str(warm) if (warm / "config.json").is_file() else resolve_model_path(recipe.model.name_or_path)
    )
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    rows = build_dataset(recipe.data).select(range(prompts))
    texts = [tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=False) for row in rows]
    batch = tokenizer([t for t in texts for _ in range(group)], add_special_tokens=False, padding=True,
                      padding_side="left", return_tensors="pt")  # fmt: skip
    return recipe, path, tokenizer, model, batch
