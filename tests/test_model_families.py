"""Each model family the project targets, as a tiny random-weight model built from its config class here: GRPO,
SFT and evaluation run on it for real (2 steps), with SmolLM2's tokenizer and chat template."""

import pytest

from grpo_math.evaluate.runner import run_eval
from grpo_math.recipe import load_recipe
from grpo_math.sft import run as run_sft
from grpo_math.train import run as run_grpo


@pytest.fixture(scope="module", params=["llama", "mistral", "qwen2", "gemma2"])
def family_dir(request, family_model):
    return request.param, family_model(request.param)


TINY_GRPO = ["trainer.max_steps=2", "trainer.per_device_train_batch_size=4", "trainer.num_generations=4",
             "trainer.max_completion_length=8", "trainer.report_to=none", "data.sources.basic_arithmetic.size=8",
             "eval.datasets=[basic_arithmetic]", "eval.limit=2", "eval.max_new_tokens=4", "~warm_start"]  # fmt: skip
TINY_SFT = ["trainer.max_steps=2", "trainer.per_device_train_batch_size=2", "trainer.report_to=none",
            "data.sources.basic_arithmetic.size=4", "~model.lora"]  # fmt: skip


def test_grpo_sft_and_eval_run_on_each_family(family_dir, tmp_path, capsys):
    family, model_dir = family_dir
    grpo = run_grpo(load_recipe(["recipe=quickstart", f"model.name_or_path={model_dir}",
                                 f"trainer.output_dir={tmp_path / 'grpo'}", *TINY_GRPO]))  # fmt: skip
    assert grpo.state.global_step == 2
    if family == "gemma2":  # soft-capping needs eager attention, whatever the recipe says, and the log says so
        assert grpo.model.config._attn_implementation == "eager"
        assert "gemma2: attention set to eager" in capsys.readouterr().out
    sft = run_sft(load_recipe(["recipe=quickstart_sft", f"model.name_or_path={model_dir}",
                               f"trainer.output_dir={tmp_path / 'sft'}", *TINY_SFT]))  # fmt: skip
    assert sft.state.global_step == 2
    report = run_eval(load_recipe(["recipe=quickstart", f"model.name_or_path={tmp_path / 'sft'}", "eval.limit=2",
                                   "eval.max_new_tokens=4", f"trainer.output_dir={tmp_path / 'eval'}"]))  # fmt: skip
    assert report["datasets"]["basic_arithmetic"]["n"] == 2
