"""The model card from a finished run's facts: every field the GRPO reference left blank is measured here."""

import json
from types import SimpleNamespace

import pytest
import torch

from grpo_math.card import collect, render, write_model_card
from grpo_math.evaluate.callback import EvalCallback
from grpo_math.recipe import load_recipe
from grpo_math.trl_config import build_trl_config

# The GRPO reference card's "[More Information Needed]" fields that a run can measure, and where they land.
FILLED = ("## Results", "## Speeds, sizes, times", "- **Hardware:** ", "- **Hours used:** ", "- **Architecture:** ",
          "- **Objective:** GRPO", "## Compute infrastructure", "- **Software:** python ", "broken down by dataset")  # fmt: skip

HISTORY = [
    {"eval_gsm8k/accuracy": 0.1, "step": 0},
    {"loss": 0.1, "reward": 0.5, "rewards/xml_format/mean": 0.0, "rewards/numeric_correctness/mean": 0.25,
     "completions/mean_length": 90.0, "num_tokens": 1000.0, "step": 1},
    {"loss": 0.2, "reward": 1.5, "rewards/xml_format/mean": 0.5, "rewards/numeric_correctness/mean": 0.5,
     "completions/mean_length": 60.0, "num_tokens": 2500.0, "step": 2},
    {"train_runtime": 30.0, "train_loss": 0.15, "step": 2},
]  # fmt: skip


def report(step, acc):
    m = {"accuracy": acc, "strict_accuracy": acc / 2, "format_rate": 0.5, "mean_length": 80.0, "n": 50, "k": 1,
         "prompt": "xml"}  # fmt: skip
    return {"model": "smollm2-135m", "step": step, "datasets": {"gsm8k": m}}


@pytest.fixture
def finished(tmp_path):
    """A trainer as it stands after train() and save_model(): logs, eval files, weights on disk."""
    recipe = load_recipe(["recipe=quickstart", f"trainer.output_dir={tmp_path}", "trainer.max_steps=2",
                          "eval.datasets=[]", "~warm_start", "trainer.learning_rate=1e-5",
                          "trainer.per_device_train_batch_size=8"])  # fmt: skip
    args = build_trl_config(recipe)
    (tmp_path / "eval").mkdir()
    for step, acc in ((0, 0.1), (1, 0.2), (2, 0.3)):
        (tmp_path / "eval" / f"step_{step}.json").write_text(json.dumps(report(step, acc)))
    (tmp_path / "model.safetensors").write_bytes(b"\0" * 2_000_000)
    evaluation = EvalCallback(None, recipe)
    evaluation.seconds = 10.0
    model = torch.nn.Linear(4, 2)
    trainer = SimpleNamespace(
        args=args, state=SimpleNamespace(log_history=HISTORY, global_step=2), model=model,
        accelerator=SimpleNamespace(unwrap_model=lambda m: m), train_dataset=[0] * 2500,
        callback_handler=SimpleNamespace(callbacks=[evaluation]), is_world_process_zero=lambda: True,
    )  # fmt: skip
    return trainer, recipe


def test_collect_measures_the_run(finished):
    trainer, recipe = finished
    facts = collect(trainer, recipe)
    assert facts["wall_seconds"] == 30.0 and facts["eval_seconds"] == 10.0
    assert facts["completions"] == 2 * 8  # steps x per_device_train_batch_size x accumulation x processes
    assert facts["completions_per_s"] == pytest.approx(16 / 20)  # evaluation time is not training time
    assert facts["tokens_per_s"] == pytest.approx(2500 / 20)  # num_tokens is cumulative: the last value
    assert facts["rewards"]["numeric_correctness"] == {"weight": 2.0, "first": 0.25, "last": 0.5}
    assert facts["total_reward"] == {"first": 0.5, "last": 1.5}
    assert facts["eval_before"]["step"] == 0 and facts["eval_after"]["step"] == 2  # first and last, not step 1
    assert facts["checkpoint_bytes"] == 2_000_000
    assert facts["parameters"] == 10 and facts["train_prompts"] == 2500
    assert facts["sampler"] == "transformers `generate` on the policy itself" and facts["resumed_from"] is None


def test_card_says_what_sampled_and_that_a_resumed_runs_time_is_its_own(finished):
    trainer, recipe = finished
    facts = {**collect(trainer, recipe), "resumed_from": "outputs/x/checkpoint-13",
             "sampler": "vLLM (colocate), the policy's weights sent by vLLM's layerwise reload (its CPU backend)"}  # fmt: skip
    card = render(facts)
    assert "(this process: it resumed from outputs/x/checkpoint-13)." in card
    assert "- **Sampling:** vLLM (colocate)" in card


def test_card_fills_every_measurable_field(finished, tmp_path):
    trainer, recipe = finished
    path = write_model_card(trainer, recipe)
    card = path.read_text()
    assert path == tmp_path / "README.md"
    assert "[More Information Needed]" not in card
    for field in FILLED:
        assert field in card, field
    assert "| gsm8k | xml | 50 | accuracy | 10.0% | 30.0% |" in card  # before / after
    assert "| gsm8k | xml | 50 | strict_accuracy | 5.0% | 15.0% |" in card
    assert "| numeric_correctness | 2 | 0.250 | 0.500 |" in card
    assert "0.800 completions/s, 125 tokens/s" in card
    assert "- **Wall time:** 0m 30s (0.008 hours), of which evaluation 0m 10s" in card
    assert "- **Checkpoint size:** 2.0 MB" in card
    assert "| learning_rate | 1e-05 |" in card
    assert f"python launch/grpo.py recipe={tmp_path}/recipe.yaml" in card
    assert "name: quickstart" in card  # the resolved recipe
    assert "Warm start" not in card and "after warm start" not in card


def test_card_of_a_warm_started_run_shows_the_three_stages(finished, tmp_path):
    trainer, _ = finished
    recipe = load_recipe(["recipe=quickstart", f"trainer.output_dir={tmp_path}", "eval.datasets=[]"])
    base = {**report(0, 0.1), "stage": "base"}
    (tmp_path / "eval" / "step_0.json").write_text(json.dumps(base))
    (tmp_path / "eval" / "warm_start.json").write_text(json.dumps({**report(0, 0.4), "stage": "warm_start"}))
    card = render(collect(trainer, recipe))
    assert "warm-started by supervised fine-tuning with recipe `quickstart_sft`" in card
    assert "- **Warm start:** supervised fine-tuning with recipe `quickstart_sft`" in card
    assert "| dataset | prompt | n | metric | before | after warm start | after |" in card
    assert "| gsm8k | xml | 50 | accuracy | 10.0% | 40.0% | 30.0% |" in card


def test_card_without_evaluation_says_so(finished, tmp_path):
    trainer, recipe = finished
    for p in (tmp_path / "eval").iterdir():
        p.unlink()
    card = render(collect(trainer, recipe))
    assert "No evaluation ran during training" in card


def test_only_the_main_process_writes(finished, tmp_path):
    trainer, recipe = finished
    trainer.is_world_process_zero = lambda: False
    assert write_model_card(trainer, recipe) is None
    assert not (tmp_path / "README.md").exists()


def test_card_pairs_grpo_own_change_with_the_warm_start(finished, tmp_path):
    trainer, _ = finished
    recipe = load_recipe(["recipe=quickstart", f"trainer.output_dir={tmp_path}", "eval.datasets=[]"])
    (tmp_path / "eval" / "warm_start.json").write_text(json.dumps({**report(0, 0.5), "stage": "warm_start"}))

    def samples(name, correct):
        rows = [{"dataset": "gsm8k", "question": f"q{i}", "gold": "1", "completions": ["x"], "answers": ["1"],
                 "correct": [c], "strict_correct": [c]} for i, c in enumerate(correct)]  # fmt: skip
        (tmp_path / "eval" / name).write_text("".join(json.dumps(r) + "\n" for r in rows))

    samples("warm_start.samples.jsonl", [1, 1, 0, 0])
    samples("step_2.samples.jsonl", [1, 0, 1, 1])
    card = render(collect(trainer, recipe))
    assert "GRPO's own change since the warm start, paired problem by problem" in card
    assert "- gsm8k: 50.0% -> 75.0%, +25.0 points (paired SE 47.9, n=4; 2 problems gained, 1 lost)" in card
    samples("step_2.samples.jsonl", [1, 0, 1])  # a different set of problems: no paired line, no failure
    assert "GRPO's own change" not in render(collect(trainer, recipe))
