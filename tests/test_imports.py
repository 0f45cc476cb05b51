"""Nothing heavy at import: the CLI answers a typo before torch, TRL or wandb load, and vLLM only on request."""

import subprocess
import sys

HEAVY = ("torch", "transformers", "trl", "datasets", "wandb", "vllm", "peft", "math_verify")


def test_importing_the_package_and_cli_loads_nothing_heavy():
    code = (
        "import sys, grpo_math, grpo_math.recipe, grpo_math.cli, grpo_math.schema, grpo_math.prompts;"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_api_is_reachable_lazily():
    import grpo_math

    assert callable(grpo_math.load_recipe)
    assert issubclass(grpo_math.RecipeError, ValueError)
