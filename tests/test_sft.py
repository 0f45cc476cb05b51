"""SFT: cold-start data in the target format, the SFT run on a tiny model (full and LoRA), its CLI and preflight."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grpo_math.coldstart import build_sft_dataset, check_sources
from grpo_math.data import build_dataset
from grpo_math.errors import RecipeError
from grpo_math.prompts import get_prompt_style
from grpo_math.recipe import load_recipe
from grpo_math.sft import run
from grpo_math.warm_start import FINISHED_MARKER as COMPLETE_MARKER
from grpo_math.warm_start import is_finished as is_complete

ROOT = Path(__file__).resolve().parent.parent
TINY = ["data.sources.basic_arithmetic.size=16", "trainer.max_steps=2", "trainer.per_device_train_batch_size=4",
        "trainer.logging_steps=1", "trainer.max_length=128"]  # fmt: skip


def sft_recipe(*overrides):
    return load_recipe(["recipe=quickstart_sft", *overrides])


def test_completion_is_the_styles_shape_of_the_worked_solution():
    data = sft_recipe("data.sources.basic_arithmetic.size=5").data
    ds = build_sft_dataset(data)
    problems = build_dataset(data)  # the same rows, in the same order, as GRPO would be asked
    assert ds.column_names == ["prompt", "answer", "source", "completion"]
    xml = get_prompt_style("xml")
    for row, problem in zip(ds, problems):
        assert row["prompt"] == problem["prompt"]  # exactly the prompt GRPO sends
        assert row["completion"] == [
            {"role": "assistant", "content": xml.format_completion(problem["solution"], problem["answer"])}
        ]
    first = ds[0]["completion"][0]["content"]
    assert first.startswith("<reasoning>\n") and first.endswith(f"<answer>\n{ds[0]['answer']}\n</answer>")


def test_other_prompt_styles_shape_the_completion_their_way():
    ds = build_sft_dataset(
        sft_recipe("data.sources.basic_arithmetic.size=2", "data.prompt=metamath", "~data.system_prompt").data
    )
    assert ds[0]["completion"][0]["content"].endswith(f"The answer is: {ds[0]['answer']}")
    assert "### Instruction:" in ds[0]["prompt"][0]["content"]


def test_gsm8k_rationales_become_targets(tmp_path):
    rows = [{"question": "Tom has 3 apples and buys 4. How many?", "answer": "3+4=<<3+4=7>>7 apples.\n#### 7"}]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    recipe = sft_recipe("~data.sources.basic_arithmetic", f"data.sources.gsm8k.path={path}")
    (row,) = build_sft_dataset(recipe.data)
    assert row["completion"][0]["content"] == "<reasoning>\n3+4=7 apples.\n</reasoning>\n<answer>\n7\n</answer>"


def test_sources_without_solutions_are_refused(monkeypatch):
    from grpo_math import plugins
    from grpo_math.data import adapters

    real = adapters.get_adapter("basic_arithmetic")
    bare = adapters.Adapter("bare", real.records, columns=("answer",))
    monkeypatch.setitem(plugins._registered, "datasets", {"bare": bare})
    with pytest.raises(RecipeError, match="no worked solutions to imitate"):
        check_sources(sft_recipe("data.sources.basic_arithmetic.adapter=bare").data)


@pytest.mark.parametrize("lora", [False, True], ids=["full", "lora"])
def test_sft_run_saves_a_complete_model_marker_and_eval(tiny_model_dir, tmp_path, lora):
    extra = ["model.lora.r=4"] if lora else ["~model.lora"]
    extra += ["eval.datasets=[basic_arithmetic]", "eval.limit=2", "eval.max_new_tokens=4"]
    recipe = sft_recipe(f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={tmp_path}", *TINY, *extra)
    trainer = run(recipe)
    assert trainer.state.global_step == 2
    # completion-only loss: the prompt's tokens carry no label; the completion's (up to its end of turn) do
    row = trainer.train_dataset[0]
    labelled = [t for t in row["labels"] if t != -100]
    assert row["labels"][0] == -100 and 0 < len(labelled) < len(row["input_ids"])
    target = trainer.processing_class.decode(labelled)
    assert target.startswith("<reasoning>") and "</answer>" in target and target.rstrip().endswith("<|im_end|>")
    assert is_complete(tmp_path)
    marker = json.loads((tmp_path / COMPLETE_MARKER).read_text())
    assert marker["global_step"] == 2 and marker["lora"] is lora and marker["train_rows"] == 16
    assert (tmp_path / "model.safetensors").is_file() and (tmp_path / "tokenizer.json").is_file()
    # a LoRA run is merged (the output dir is a plain model) and keeps its adapter beside it
    assert not (tmp_path / "adapter_config.json").exists()
    assert (tmp_path / "adapter" / "adapter_config.json").is_file() is lora
    from transformers import AutoModelForCausalLM

    assert AutoModelForCausalLM.from_pretrained(tmp_path).num_parameters() > 0
    # eval.datasets set: the saved model is evaluated with launch/eval.py's harness
    results = json.loads((tmp_path / "eval_results.json").read_text())
    assert results["model"] == str(tmp_path) and results["datasets"]["basic_arithmetic"]["n"] == 2


def test_a_grpo_recipe_is_not_an_sft_run():
    with pytest.raises(RecipeError, match="has task=grpo: run it with launch/grpo.py"):
        run(load_recipe(["recipe=quickstart"]), dry_run=True)


def test_sft_trainer_keys_are_checked_against_sftconfig():
    with pytest.raises(RecipeError, match="did you mean trainer.max_length"):
        sft_recipe("trainer.max_lenght=10")
    with pytest.raises(RecipeError, match="unknown key trainer.num_generations"):
        sft_recipe("trainer.num_generations=8")  # a GRPO knob in an SFT recipe


def test_launch_sft_dry_run_prints_the_sft_preflight():
    out = subprocess.run(
        [sys.executable, "launch/sft.py", "recipe=quickstart_sft", "--dry-run"],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert "preflight (SFT):" in out.stdout
    assert "loss on:                   completion only" in out.stdout
    assert "task: sft" in out.stdout


def test_cli_has_an_sft_command():
    from grpo_math.cli import _commands

    assert "sft" in _commands()
