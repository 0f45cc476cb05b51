"""What the dry run tells before anything is paid for: a local model dir that cannot load, and the attention kernel
that will really run and why (from the config alone, no weights)."""

import json

import pytest
from omegaconf import OmegaConf

from grpo_math.model import attention_plan, model_type_of
from grpo_math.run_checks import local_checkpoint_problem


def test_local_dirs_that_are_not_checkpoints_are_named(tmp_path):
    assert "no config.json there" in local_checkpoint_problem(tmp_path, "model.name_or_path")
    (tmp_path / "checkpoint-20").mkdir()
    assert "it holds checkpoint-20: point model.name_or_path at one of them" in local_checkpoint_problem(
        tmp_path, "model.name_or_path"
    )
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llama"}))
    assert "config.json but no weights" in local_checkpoint_problem(tmp_path, "model.name_or_path")
    (tmp_path / "model.safetensors").write_bytes(b"")
    assert "no tokenizer files" in local_checkpoint_problem(tmp_path, "model.name_or_path")
    (tmp_path / "tokenizer.json").write_text("{}")
    assert local_checkpoint_problem(tmp_path, "model.name_or_path") is None
    assert "is a file" in local_checkpoint_problem(tmp_path / "tokenizer.json", "model.name_or_path")


def test_a_saved_model_passes(tiny_model_dir):
    from pathlib import Path

    assert local_checkpoint_problem(Path(tiny_model_dir), "model.name_or_path") is None


@pytest.mark.parametrize(
    "family, asked, kernel, why",
    [
        ("llama", None, "sdpa", "transformers' default for llama"),
        ("gemma2", None, "eager", "forced for gemma2"),
        ("gemma2", "sdpa", "eager", "the recipe's sdpa is overridden"),
        ("qwen2", "eager", "eager", "the recipe's model.attn_implementation"),
    ],
)
def test_the_attention_kernel_and_why(family_model, family, asked, kernel, why):
    model = OmegaConf.create({"name_or_path": family_model(family), "attn_implementation": asked})
    plan = attention_plan(model, model_type_of(model.name_or_path, cached_only=True))
    assert plan[0] == kernel and why in plan[1], plan


def test_a_hub_model_not_in_the_cache_is_not_fetched_by_a_dry_run(monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", lambda *a, **k: None)
    assert model_type_of("nobody/not-cached", cached_only=True) is None
    kernel, why = attention_plan(OmegaConf.create({"attn_implementation": None}), None)
    assert kernel == "transformers' default" and "gemma2 would be forced to eager" in why


def _dry_run(capsys, *overrides):
    from grpo_math import sft, train
    from grpo_math.recipe import load_recipe

    recipe = load_recipe(list(overrides))
    assert (sft if recipe.task == "sft" else train).run(recipe, dry_run=True) is None
    out = capsys.readouterr().out
    return out[out.index("what the model is given") :]


def test_the_dry_run_shows_the_exact_prompts_and_what_a_gold_completion_scores(tiny_model_dir, capsys):
    shown = _dry_run(capsys, "recipe=quickstart", "~warm_start", f"model.name_or_path={tiny_model_dir}")
    # the chat template with the recipe's system prompt, as the tokenizer renders it for generation
    assert "    | <|im_start|>system\n    | Answer in XML.<|im_end|>\n    | <|im_start|>user\n" in shown
    assert shown.count("<|im_start|>assistant") == 2  # the training row and the eval problem
    assert "    | <reasoning>" in shown and "    | </answer>" in shown  # the gold completion, in the XML style
    assert "its rewards: xml_format 1 (x1), numeric_correctness 1 (x2)" in shown  # the most each reward gives
    assert "eval basic_arithmetic (prompt style xml), first problem" in shown


def test_an_alpaca_recipe_shows_the_alpaca_text_with_its_tokenizer_not_cached(capsys, shared_data):
    shown = _dry_run(capsys, "recipe=metamath_llemma7b", f"eval.data_dir={shared_data}")
    assert "EleutherAI/llemma_7b's tokenizer is not in the local Hugging Face cache" in shown
    assert "training data: not readable here" in shown  # MetaMathQA from the hub, offline
    gsm8k = shown[shown.index("eval gsm8k (prompt style metamath)") :]
    assert "Below is an instruction that describes a task" in gsm8k and "### Response:" in gsm8k
