"""grpo-math: GRPO training for math. Public API: reward, register_reward, get_reward, load_recipe, RecipeError.

Imports are lazy so that `import grpo_math` (and the CLI's argument errors) never pay for torch or TRL.
"""

__version__ = "0.1.0"

_LAZY = {
    "register_reward": "grpo_math.registry",
    "reward": "grpo_math.registry",
    "get_reward": "grpo_math.registry",
    "load_recipe": "grpo_math.recipe",
    "RecipeError": "grpo_math.errors",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'grpo_math' has no attribute {name!r}")


__all__ = list(_LAZY)
