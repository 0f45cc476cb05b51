"""The recipe's `trainer` values checked before TRL sees them: types from the config dataclass, ranges from here.

HfArgumentParser.parse_dict sets fields without converting or checking them, and TRL/transformers check only some
values in __post_init__: `learning_rate=abc`, `num_generations=0` or `max_steps=-5` would pass and fail (or train
wrongly) minutes later. Types are read from the dataclass itself, so no TRL knob is re-declared here; only the
valid ranges are ours.
"""

import math
import types
import typing

from grpo_math.errors import RecipeError, did_you_mean

# key -> (test, what is valid). A key missing from the recipe is TRL's default and not checked here.
_POSITIVE = (lambda v: v > 0, "> 0")
_AT_LEAST_1 = (lambda v: v >= 1, ">= 1")
_NON_NEGATIVE = (lambda v: v >= 0, ">= 0")
_FRACTION = (lambda v: 0 < v <= 1, "in (0, 1]")
RANGES = {
    "learning_rate": _POSITIVE,
    "per_device_train_batch_size": _AT_LEAST_1,
    "per_device_eval_batch_size": _AT_LEAST_1,
    "gradient_accumulation_steps": _AT_LEAST_1,
    "num_train_epochs": _POSITIVE,
    "max_steps": (lambda v: v == -1 or v >= 1, ">= 1, or -1 to train for num_train_epochs"),
    "logging_steps": _POSITIVE,
    "save_steps": _POSITIVE,
    "eval_steps": _POSITIVE,
    "save_total_limit": _AT_LEAST_1,
    "warmup_steps": _NON_NEGATIVE,
    "warmup_ratio": (lambda v: 0 <= v <= 1, "in [0, 1]"),
    "weight_decay": _NON_NEGATIVE,
    "max_grad_norm": _NON_NEGATIVE,
    "adam_beta1": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "adam_beta2": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "adam_epsilon": _POSITIVE,
    "seed": _NON_NEGATIVE,
    "dataloader_num_workers": _NON_NEGATIVE,
    # GRPO
    "num_generations": (lambda v: v >= 2, ">= 2 (a group needs two completions to have an advantage)"),
    "max_completion_length": _AT_LEAST_1,
    "max_prompt_length": _AT_LEAST_1,
    "temperature": _POSITIVE,
    "top_p": _FRACTION,
    "top_k": _NON_NEGATIVE,
    "min_p": (lambda v: 0 <= v <= 1, "in [0, 1]"),
    "repetition_penalty": _POSITIVE,
    "beta": _NON_NEGATIVE,
    "epsilon": _POSITIVE,
    "epsilon_high": _POSITIVE,
    "num_iterations": _AT_LEAST_1,
    "steps_per_generation": _AT_LEAST_1,
    "generation_batch_size": _AT_LEAST_1,
    "vllm_gpu_memory_utilization": _FRACTION,
    # SFT
    "max_length": _AT_LEAST_1,
}
CHOICES = {"vllm_mode": ("colocate", "server")}
# Accepted by TrainingArguments but done our own way: a second SIGTERM handler would save a truncated "final" model.
REFUSED = {
    "enable_jit_checkpoint": "grpo-math writes a checkpoint on SIGTERM/SIGINT itself: remove trainer.enable_jit_checkpoint",
}


def undo_yaml_booleans(trainer: dict, config_cls) -> dict:
    """`trainer.save_strategy=no` on a command line (or unquoted in YAML 1.1) reads as False: for a setting that
    takes a string and no boolean, False was the word `no` (the strategies' "no"), and is given back as such."""
    hints = typing.get_type_hints(config_cls)
    return {
        key: "no" if value is False and key in hints and not _matches(False, hints[key]) and _matches("no", hints[key])
        else value
        for key, value in trainer.items()
    }  # fmt: skip


def check_trainer_values(trainer: dict, config_cls) -> None:
    """One-line RecipeError for the first value of the wrong type or out of range."""
    hints = typing.get_type_hints(config_cls)
    for key, value in trainer.items():
        if key in REFUSED and value:
            raise RecipeError(REFUSED[key])
        if key == "resume_from_checkpoint":
            continue  # a path, latest, or true/false: read by grpo_math.checkpoints
        if key in hints:
            _check_type(key, value, hints[key])
        if value is None:
            continue
        if key in RANGES and isinstance(value, (int, float)) and not isinstance(value, bool):
            test, valid = RANGES[key]
            if not (math.isfinite(value) and test(value)):
                raise RecipeError(f"trainer.{key}={value!r} is out of range: it must be {valid}")
        if key in CHOICES and value not in CHOICES[key]:
            raise RecipeError(
                f"trainer.{key}={value!r} is not one of {', '.join(CHOICES[key])}{did_you_mean(str(value), CHOICES[key])}"
            )
    if "report_to" in trainer:
        _check_report_to(trainer["report_to"])


def _check_type(key: str, value, hint) -> None:
    if _matches(value, hint):
        return
    raise RecipeError(f"trainer.{key}={value!r} should be {_describe(hint)}")


def _matches(value, hint) -> bool:
    if hint is typing.Any:
        return True
    origin = typing.get_origin(hint)
    if origin is typing.Union or isinstance(hint, types.UnionType):
        return any(_matches(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if origin in (list, tuple):
        return isinstance(value, (list, tuple))
    if origin is dict:
        return isinstance(value, dict)
    if hint is bool:
        return isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True  # a hint this check does not know: leave it to the dataclass


def _describe(hint) -> str:
    names = {bool: "true or false", float: "a number", int: "a whole number", str: "a string", dict: "a mapping"}
    args = typing.get_args(hint) if typing.get_origin(hint) is typing.Union or isinstance(hint, types.UnionType) else ()
    if args:
        parts = [_describe(a) for a in args if a is not type(None)]
        return " or ".join(dict.fromkeys(parts)) + (" (or null)" if type(None) in args else "")
    if typing.get_origin(hint) in (list, tuple):
        return "a list"
    return names.get(hint, getattr(hint, "__name__", str(hint)))


def _check_report_to(report_to) -> None:
    from transformers.integrations.integration_utils import INTEGRATION_TO_CALLBACK

    given = [report_to] if isinstance(report_to, str) else list(report_to or [])
    valid = sorted(INTEGRATION_TO_CALLBACK) + ["all", "none"]
    for name in given:
        if name not in valid:
            raise RecipeError(
                f"trainer.report_to has {name!r}{did_you_mean(name, valid)}: valid are {', '.join(valid)}"
            )
