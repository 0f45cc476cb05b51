"""What `--dry-run` prints: the resolved recipe, TRL's values that decide the optimisation, and the preflight summary.

Shared by the GRPO and SFT runners and by the model card (the hyperparameters it lists).
"""

import enum

from omegaconf import OmegaConf

from grpo_math import preflight
from grpo_math.prompts import get_prompt_style
from grpo_math.recipe import to_yaml
from grpo_math.transformers_compat import installed_value

# Shown by --dry-run even when the recipe leaves them to TRL: they decide what the run optimises.
DERIVED_FIELDS = (
    "generation_batch_size", "steps_per_generation", "loss_type", "beta", "scale_rewards", "temperature",
    "num_iterations", "epsilon", "bf16",
)  # fmt: skip


def resolved_trainer(recipe, config) -> dict:
    """The recipe's trainer keys plus the derived ones, as GRPOConfig/SFTConfig holds them after validation."""
    keys = list(recipe.trainer) + [k for k in DERIVED_FIELDS if hasattr(config, k) and k not in recipe.trainer]
    values = {k: installed_value(config, k) for k in keys}
    for k in ("bf16", "fp16"):  # show what the recipe asks for; preflight says when this machine falls back
        if k in recipe.trainer:
            values[k] = recipe.trainer[k]
    return {k: v.value if isinstance(v, enum.Enum) else v for k, v in values.items()}


def dry_run_report(recipe, config) -> str:
    shown = OmegaConf.to_container(recipe, resolve=True)
    shown["trainer"] = resolved_trainer(recipe, config)
    if shown["data"]["system_prompt"] is None:  # show the words the model will actually be given
        shown["data"]["system_prompt"] = get_prompt_style(recipe.data.prompt).system_prompt
    return to_yaml(shown) + "\n" + preflight.summary(recipe, config)
