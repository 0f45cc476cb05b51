"""Real GRPO steps end to end: a tiny model built in the test (fast), and the embedded SmolLM2 (slow)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grpo_math.recipe import load_recipe
from grpo_math.train import run

ROOT = Path(__file__).resolve().parent.parent

TINY = [
    "trainer.max_steps=2",
    "trainer.per_device_train_batch_size=4",
    "trainer.num_generations=4",
    "trainer.gradient_accumulation_steps=1",
    "trainer.max_completion_length=8",
    "trainer.report_to=none",
    "data.sources.basic_arithmetic.size=8",
    "data.sources.gsm_symbolic.size=4",
    "eval.datasets=[]",
]


def quickstart(*overrides):
    recipe = load_recipe(["recipe=quickstart", *overrides])
    if recipe.get("warm_start") is not None:
        recipe.warm_start = None  # the cold start is tested on its own; here only GRPO
    return recipe


def test_two_grpo_steps_on_a_tiny_model(tiny_model_dir, tmp_path):
    recipe = quickstart(f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={tmp_path}", *TINY)
    trainer = run(recipe)
    assert trainer.state.global_step == 2
    logged = set().union(*trainer.state.log_history)
    for key in recipe.rewards:  # TRL names reward metrics after the recipe key
        assert f"rewards/{key}/mean" in logged
    assert {"loss", "frac_reward_zero_std", "completions/mean_length"} <= logged
    assert (tmp_path / "recipe.yaml").is_file()
    assert (tmp_path / "config.json").is_file() and (tmp_path / "model.safetensors").is_file()


def test_trl_still_calls_every_wrapped_method(tiny_model_dir, tmp_path):
    """GRPOMathTrainer wraps TRL's private _generate, _calculate_rewards and _generate_and_score_completions and
    reads its _logs/_metrics: if a TRL release renames or stops calling one, a metric below goes missing or to 0."""
    recipe = quickstart(f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={tmp_path}", *TINY)
    trainer = run(recipe)
    steps = [h for h in trainer.state.log_history if "loss" in h]
    assert len(steps) == 2
    for h in steps:
        assert h["timing/generation_s"] > 0 and h["timing/reward_s"] > 0  # _generate, _calculate_rewards
        assert h["timing/forward_backward_s"] > 0 and h["timing/generation_tokens_per_s"] > 0
        assert 0 <= h["batch/accuracy"] <= 1 and 0 <= h["batch/format_rate"] <= 1  # _generate_and_score + _logs
        parts = sum(h[f"timing/{p}_s"] for p in ("generation", "reward", "logprobs", "forward_backward", "optimizer"))
        assert parts == pytest.approx(h["timing/step_s"], rel=0.05)


def test_lora_run_saves_an_adapter(tiny_model_dir, tmp_path):
    overrides = [f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={tmp_path}", "model.lora.r=4", *TINY]
    trainer = run(quickstart(*overrides[:-1], "trainer.max_steps=1", "eval.datasets=[]"))
    assert trainer.state.global_step == 1
    assert (tmp_path / "adapter" / "adapter_config.json").is_file()  # the adapter, and merged into a whole model:
    assert (tmp_path / "config.json").is_file() and (tmp_path / "model.safetensors").is_file()
    from grpo_math.evaluate.runner import run_eval

    report = run_eval(load_recipe(["recipe=quickstart", f"model.name_or_path={tmp_path}", "eval.limit=2",
                                   "eval.max_new_tokens=4", f"trainer.output_dir={tmp_path / 'eval'}"]))  # fmt: skip
    assert report["datasets"]["basic_arithmetic"]["n"] == 2  # launch/eval.py takes the GRPO+LoRA output as is


@pytest.mark.slow
def test_quickstart_two_steps_on_the_embedded_model(tmp_path):
    out = subprocess.run(
        [sys.executable, "launch/grpo.py", "recipe=quickstart", "trainer.max_steps=2", f"trainer.output_dir={tmp_path}",
         "eval.datasets=[]", "~warm_start"],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=1200, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert (tmp_path / "model.safetensors").is_file()
