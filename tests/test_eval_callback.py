"""In-training evaluation on a tiny model: before step 0, every eval.every steps, at the end; files, logs, card."""

import json

import pytest

from grpo_math.recipe import load_recipe
from grpo_math.train import run

TINY = [
    "trainer.max_steps=3",
    "trainer.per_device_train_batch_size=4",
    "trainer.num_generations=4",
    "trainer.gradient_accumulation_steps=1",
    "trainer.max_completion_length=8",
    "trainer.report_to=none",
    "data.sources.basic_arithmetic.size=8",
    "data.sources.gsm_symbolic.size=4",
    "eval.datasets=[basic_arithmetic]",
    "eval.limit=4",
    "eval.max_new_tokens=4",
    "eval.every=2",
]


@pytest.fixture(scope="module")
def trained(tiny_model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    recipe = load_recipe(["recipe=quickstart", f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={out}",
                          *TINY])  # fmt: skip
    if recipe.get("warm_start") is not None:
        recipe.warm_start = None  # GRPO only
    return run(recipe), out


def test_evaluates_before_every_n_and_at_the_end(trained, tiny_model_dir):
    _, out = trained
    # step 0 (before training), step 2 (eval.every=2), step 3 (the end)
    assert sorted(p.name for p in (out / "eval").glob("*.json")) == ["step_0.json", "step_2.json", "step_3.json"]
    report = json.loads((out / "eval" / "step_3.json").read_text())
    assert report["step"] == 3 and report["model"] == tiny_model_dir
    m = report["datasets"]["basic_arithmetic"]
    assert {"accuracy", "strict_accuracy", "format_rate", "mean_length", "n", "k", "prompt"} <= set(m)
    assert m["n"] == 4 and m["prompt"] == "xml"


def test_logs_eval_metrics_through_the_trainer(trained):
    trainer, _ = trained
    evals = [e for e in trainer.state.log_history if "eval_basic_arithmetic/accuracy" in e]
    # transformers' W&B and TensorBoard callbacks rename eval_<x> to eval/<x>: eval/basic_arithmetic/accuracy
    assert [e["step"] for e in evals] == [0, 2, 3]
    assert {"eval_basic_arithmetic/strict_accuracy", "eval_basic_arithmetic/format_rate"} <= set(evals[-1])
    training = [e for e in trainer.state.log_history if "loss" in e]
    assert len(training) == 3 and all("reward" in e for e in training)  # GRPO's own step logs are intact


def test_policy_is_back_in_train_mode(trained):
    trainer, _ = trained
    assert trainer.state.global_step == 3
    assert trainer.model.training  # evaluation switched it to eval() and back


def test_model_card_written(trained):
    _, out = trained
    card = (out / "README.md").read_text()
    assert "[More Information Needed]" not in card
    for heading in ("## Results", "## Model details", "## Training data", "## Rewards", "## Training hyperparameters",
                    "## Speeds, sizes, times", "## Compute infrastructure", "## Reproduce"):  # fmt: skip
        assert heading in card, heading
    assert "| basic_arithmetic | xml | 4 | accuracy |" in card  # the before/after table
    assert "| xml_format | 1 |" in card and "| numeric_correctness | 2 |" in card  # reward summary rows
    assert "- **Hardware:** " in card and "- **Hours used:** " in card and "completions/s" in card
    assert "learning_rate" in card and "```yaml" in card


def test_save_samples_false_keeps_completions_out_of_files_and_wandb(tiny_model_dir, tmp_path, monkeypatch):
    from grpo_math.evaluate import callback

    logged = []
    monkeypatch.setattr(callback, "log_samples_to_wandb", lambda report, step: logged.append(step))
    for save, out in ((False, tmp_path / "off"), (True, tmp_path / "on")):
        recipe = load_recipe(["recipe=quickstart", "~warm_start", f"model.name_or_path={tiny_model_dir}",
                              f"trainer.output_dir={out}", *TINY, "trainer.max_steps=1", f"eval.save_samples={save}"])  # fmt: skip
        run(recipe)
        files = sorted(p.name for p in (out / "eval").iterdir())
        if save:
            assert files == ["step_0.json", "step_0.samples.jsonl", "step_1.json", "step_1.samples.jsonl"]
            assert logged == [0, 1]
        else:
            assert files == ["step_0.json", "step_1.json"] and logged == []
