"""The recipe's `trainer` section -> trl.GRPOConfig / SFTConfig, built once through HfArgumentParser."""

import os

from grpo_math.errors import RecipeError
from grpo_math.model import cpu_precision
from grpo_math.recipe import trl_config_class
from grpo_math.trainer_checks import check_trainer_values, undo_yaml_booleans
from grpo_math.transformers_compat import to_installed_names


def build_trl_config(recipe):
    from omegaconf import OmegaConf
    from transformers import HfArgumentParser

    trainer = OmegaConf.to_container(recipe.trainer, resolve=True)
    if recipe.task == "grpo" and "reward_weights" in trainer:
        raise RecipeError(
            "set reward weights in the rewards section (rewards.<name>.weight), not trainer.reward_weights"
        )
    cls = trl_config_class(recipe.task)
    trainer = to_installed_names(trainer, cls)
    trainer = undo_yaml_booleans(trainer, cls)
    check_trainer_values(trainer, cls)  # types and ranges TRL would accept and fail on (or train wrongly) later
    if recipe.task == "grpo":
        _check_group_divisibility(trainer)
    trainer = cpu_precision(trainer)
    trainer = _cpu_processes(trainer)
    trainer.setdefault("output_dir", output_dir_of(recipe))
    try:
        (config,) = HfArgumentParser(cls).parse_dict(trainer, allow_extra_keys=False)
    except (ValueError, TypeError) as e:
        raise RecipeError(f"trainer section rejected by trl.{cls.__name__}: {str(e).splitlines()[0]}") from None
    return config


def output_dir_of(recipe) -> str:
    """trainer.output_dir, else outputs/<recipe name>; known without building the TRL config (which would set up
    the distributed state)."""
    return recipe.trainer.get("output_dir") or os.path.join("outputs", recipe.name)


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def _check_group_divisibility(trainer: dict) -> None:
    """GRPO's batch must hold whole groups of num_generations completions: say which knob to turn."""
    from trl import GRPOConfig

    g = trainer.get("num_generations", GRPOConfig.num_generations)
    bs = trainer.get("per_device_train_batch_size", GRPOConfig.per_device_train_batch_size)
    ga = trainer.get("gradient_accumulation_steps", 1)
    spg = trainer.get("steps_per_generation") or (None if trainer.get("generation_batch_size") else ga)
    gen_batch = trainer.get("generation_batch_size") or bs * world_size() * spg
    if gen_batch % g:
        raise RecipeError(
            f"a generation batch of {gen_batch} completions (per_device_train_batch_size={bs} x {world_size()} "
            f"processes x steps_per_generation={spg}) does not hold whole groups of num_generations={g}: "
            f"make trainer.per_device_train_batch_size a multiple of {g}, or change trainer.num_generations"
        )


def _cpu_processes(trainer: dict) -> dict:
    """Several processes on a machine without CUDA (torchrun, accelerate launch without --cpu) form one DDP run
    only with use_cpu: without it transformers trains one independent copy per process into the same output dir."""
    from grpo_math.model import cuda_available

    if world_size() == 1 or cuda_available():
        return trainer
    if trainer.get("use_cpu") is False:
        raise RecipeError(
            f"{world_size()} processes and no CUDA device: with trainer.use_cpu=false each would train its own copy; "
            "remove trainer.use_cpu=false (or launch one process)"
        )
    if not trainer.get("use_cpu"):
        print(
            f"[grpo-math] {world_size()} processes on CPU: trainer.use_cpu=true, so they train one model together (DDP, gloo)"
        )
    return {**trainer, "use_cpu": True}
