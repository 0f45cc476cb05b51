"""launch/grpo.py: --dry-run shows the reference values without loading weights; preflight fails early."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grpo_math.errors import RecipeError
from grpo_math.recipe import load_recipe
from grpo_math.trl_config import build_trl_config

ROOT = Path(__file__).resolve().parent.parent


def launch(*args, env=None):
    return subprocess.run(
        [sys.executable, "launch/grpo.py", *args],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
    )


def test_dry_run_shows_every_reference_value():
    out = launch("recipe=qwen05b_gsm8k", "--dry-run")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for line in [
        "name_or_path: Qwen/Qwen2.5-0.5B-Instruct",
        "learning_rate: 5.0e-06",
        "adam_beta1: 0.9",
        "adam_beta2: 0.99",
        "weight_decay: 0.1",
        "warmup_steps: 0.1",
        "lr_scheduler_type: cosine",
        "per_device_train_batch_size: 16",
        "gradient_accumulation_steps: 4",
        "num_generations: 16",
        "max_prompt_length: 256",
        "max_completion_length: 200",
        "num_train_epochs: 1",
        "max_grad_norm: 0.1",
        "use_vllm: true",
        "<reasoning>",
        "prompts per optimizer step: 4",
        "generations per prompt:    16",
        "completions per step:      64",
        "total optimizer steps:     1868",  # the reference card's checkpoint-1868
        "vLLM colocated",
    ]:
        assert line in text, line
    # bf16 is asked for; on a CPU-only machine preflight says what runs instead (autocast with AMX, else fp32)
    assert "bf16: true" in text
    assert any(f"precision:                 {p}" in text for p in (
        "bf16 mixed precision", "bf16 autocast on the CPU (it has AMX)", "fp32 (bf16 asked for, but no CUDA"))  # fmt: skip


def test_typo_on_the_command_line_gets_a_suggestion():
    out = launch("recipe=qwen05b_gsm8k", "trainer.learning_rat=1e-5", "--dry-run")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1] == (
        "error: unknown key trainer.learning_rat (did you mean trainer.learning_rate?)"
    )


def test_group_size_that_does_not_divide_names_the_fix():
    recipe = load_recipe(["recipe=qwen05b_gsm8k", "trainer.per_device_train_batch_size=10"])
    with pytest.raises(RecipeError, match="make trainer.per_device_train_batch_size a multiple of 16"):
        build_trl_config(recipe)


def test_reward_weights_belong_to_the_rewards_section():
    recipe = load_recipe(["recipe=quickstart", "trainer.reward_weights=[1,2]"])
    with pytest.raises(RecipeError, match="rewards.<name>.weight"):
        build_trl_config(recipe)


def test_reward_needing_a_missing_column_fails_before_loading(capsys):
    from grpo_math.train import run

    recipe = load_recipe(["recipe=quickstart", "rewards.multiple_choice.weight=1"])
    with pytest.raises(RecipeError, match="options"):
        run(recipe, dry_run=True)


def test_vllm_is_never_imported_unless_asked():
    code = (
        "import sys; from grpo_math.recipe import load_recipe; from grpo_math.train import run;"
        "run(load_recipe(['recipe=qwen05b_gsm8k']), dry_run=True); assert 'vllm' not in sys.modules"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]


def test_preflight_runs_the_reward_check(tmp_path):
    from grpo_math.train import run

    plugin = tmp_path / "inverted.py"
    plugin.write_text(
        "def inverted(completions, **kwargs):\n"
        "    # scores the format backwards: gold completions get the minimum\n"
        "    texts = [c[-1]['content'] if isinstance(c, list) else c for c in completions]\n"
        "    return [0.0 if '<answer>' in t else 1.0 for t in texts]\n"
    )
    recipe = load_recipe(
        ["recipe=quickstart", f"rewards.inverted.fn={plugin}:inverted", "rewards.inverted.kind=format"]
    )
    with pytest.raises(RecipeError, match="reward check failed: .*inverted"):
        run(recipe, dry_run=True)


def test_preflight_checks_the_eval_section():
    from grpo_math.train import run

    with pytest.raises(RecipeError, match="did you mean gsm8k"):
        run(load_recipe(["recipe=quickstart", "eval.datasets=[gsm8kk]"]), dry_run=True)
