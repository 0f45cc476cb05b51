"""warm_start: which model GRPO starts from, the SFT run done once (also when two processes start together), and the
baseline (eval/step_0.json) measured on the base model, not on the warm-started one."""

import json
import subprocess
import threading
import time

import pytest

from grpo_math import warm_start
from grpo_math.errors import RecipeError
from grpo_math.recipe import load_recipe
from grpo_math.warm_start import FINISHED_MARKER as COMPLETE_MARKER


def grpo_recipe(*overrides):
    return load_recipe(["recipe=quickstart", *overrides])


def with_sft_overrides(recipe, *overrides):
    recipe.warm_start.overrides = list(overrides)  # set directly: a dotlist list of key=value strings needs quoting
    return recipe


def fake_finished_run(out, model_dir=None):
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text("{}")
    (out / COMPLETE_MARKER).write_text("{}")


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["warm_start.checkpoint=/x"], "exactly one of warm_start.recipe"),  # both recipe and checkpoint
        (["~warm_start.recipe"], "exactly one of warm_start.recipe"),  # neither
        (["warm_start.recipe=qwen05b_gsm8k"], "has task=grpo: a warm start runs an SFT recipe"),
        (["warm_start.recipe=quickstart_sftt"], "did you mean quickstart_sft"),  # typo in the recipe name
        (["model.name_or_path=Qwen/Qwen2.5-0.5B-Instruct"], "fine-tunes smollm2-135m but model.name_or_path"),
    ],
)
def test_bad_warm_starts_are_one_line_errors(overrides, message):
    with pytest.raises(RecipeError) as e:
        warm_start.check_warm_start(grpo_recipe(*overrides))
    assert message in str(e.value) and "\n" not in str(e.value)


def test_sft_overrides_are_checked_like_any_recipe():
    recipe = with_sft_overrides(grpo_recipe(), "trainer.learning_rat=1e-5")
    with pytest.raises(RecipeError, match="did you mean trainer.learning_rate"):
        warm_start.check_warm_start(recipe)


def test_no_warm_start_means_the_recipes_model():
    assert warm_start.resolve(grpo_recipe("~warm_start")) is None


def test_checkpoint_is_used_as_is(tiny_model_dir):
    assert (
        warm_start.resolve(grpo_recipe("~warm_start.recipe", f"warm_start.checkpoint={tiny_model_dir}"))
        == tiny_model_dir
    )


def test_a_finished_sft_run_is_reused(tmp_path, monkeypatch):
    out = tmp_path / "sft"
    fake_finished_run(out)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("the finished SFT run was run again"))
    recipe = with_sft_overrides(grpo_recipe(), f"trainer.output_dir={out}")
    assert warm_start.resolve(recipe) == str(out)
    assert "(finished there, reused)" in warm_start.describe(recipe)


def test_a_finished_run_of_other_settings_is_not_reused_silently(tmp_path, monkeypatch):
    from grpo_math.recipe import save_recipe

    out = tmp_path / "sft"
    recipe = with_sft_overrides(grpo_recipe(), f"trainer.output_dir={out}")
    fake_finished_run(out)
    save_recipe(warm_start.sft_recipe(recipe), out)  # what sft.run saves beside the model
    assert warm_start.resolve(recipe) == str(out)  # the same settings: reused
    monkeypatch.chdir(tmp_path)  # the same dir, named relative when it ran and absolute now: the same run
    asked_absolute = with_sft_overrides(grpo_recipe(), f"trainer.output_dir={out}")
    ran = warm_start.sft_recipe(recipe)
    ran.trainer.output_dir = "sft"
    save_recipe(ran, out)
    assert warm_start.resolve(asked_absolute) == str(out)
    with_sft_overrides(recipe, f"trainer.output_dir={out}", "trainer.num_train_epochs=2", "wandb.project=other")
    with pytest.raises(RecipeError, match=r"other settings \(trainer.num_train_epochs: 1 there, 2 now\): delete"):
        warm_start.resolve(recipe)  # wandb.project differs too, but does not change the model


def test_two_processes_starting_together_run_the_sft_once(tmp_path, monkeypatch):
    """flock excludes separate open()s of the lock file even within one process, so two threads stand in for two
    ranks of `accelerate launch`: one runs the SFT, the other waits and then reuses it."""
    out = tmp_path / "sft"
    calls = []

    def slow_sft(command, env, check):
        calls.append(command)
        assert "RANK" not in env and "WORLD_SIZE" not in env  # the child is one plain process
        time.sleep(0.5)
        fake_finished_run(out)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", slow_sft)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    recipe = with_sft_overrides(grpo_recipe(), f"trainer.output_dir={out}")
    assert "(runs first)" in warm_start.describe(recipe)
    results = []
    threads = [threading.Thread(target=lambda: results.append(warm_start.resolve(recipe))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [str(out), str(out)]
    assert len(calls) == 1
    assert calls[0][-3:] == ["sft", "recipe=quickstart_sft", f"trainer.output_dir={out}"]


def test_a_failed_sft_run_stops_grpo_with_the_command(tmp_path, monkeypatch):
    monkeypatch.setattr(subprocess, "run", lambda command, **k: subprocess.CompletedProcess(command, 1))
    recipe = with_sft_overrides(grpo_recipe(), f"trainer.output_dir={tmp_path / 'sft'}")
    with pytest.raises(RecipeError, match=r"warm-start SFT run `python launch/sft.py recipe=quickstart_sft .*` failed"):
        warm_start.resolve(recipe)


def test_grpo_after_a_real_warm_start_on_a_tiny_model(tiny_model_dir, tmp_path, monkeypatch):
    """The whole path: SFT, base and warm-start evaluations, GRPO, final evaluation. The SFT command runs in this
    process (a child would spend most of this test importing torch again); the slow quickstart test runs it as is."""
    from grpo_math import cli
    from grpo_math.train import run

    def in_process(command, env, check):
        assert command[1:4] == ["-m", "grpo_math.cli", "sft"]
        return subprocess.CompletedProcess(command, cli.main(command[3:]))

    monkeypatch.setattr(subprocess, "run", in_process)

    sft_out, out = tmp_path / "sft", tmp_path / "grpo"
    recipe = grpo_recipe(
        f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={out}", "trainer.max_steps=1",
        "trainer.per_device_train_batch_size=4", "trainer.num_generations=4", "trainer.max_completion_length=8",
        "trainer.report_to=none", "data.sources.basic_arithmetic.size=8",
        "eval.datasets=[basic_arithmetic]", "eval.limit=4", "eval.max_new_tokens=8", "~eval.every",
        "eval.base_limit=2",
    )  # fmt: skip
    with_sft_overrides(recipe, f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={sft_out}",
                       "trainer.max_steps=1", "data.sources.basic_arithmetic.size=8", "trainer.max_length=128")  # fmt: skip
    trainer = run(recipe)
    assert (sft_out / COMPLETE_MARKER).is_file()
    base = json.loads((out / "eval" / "step_0.json").read_text())
    start = json.loads((out / "eval" / "warm_start.json").read_text())
    final = json.loads((out / "eval" / f"step_{trainer.state.global_step}.json").read_text())
    assert base["stage"] == "base" and base["model"] == tiny_model_dir  # step 0 is the model before any training
    assert start["stage"] == "warm_start" and "warm start" in start["model"]
    assert start["datasets"]["basic_arithmetic"]["n"] == final["datasets"]["basic_arithmetic"]["n"] == 4
    assert base["datasets"]["basic_arithmetic"]["n"] == 2  # eval.base_limit: the base only shows where it began


def test_a_run_saved_before_a_setting_existed_is_still_reused(tmp_path, monkeypatch):
    """A new schema key at its default (e.g. model.load_in_4bit) must not make every finished SFT run 'other'."""
    from omegaconf import OmegaConf

    from grpo_math.recipe import save_recipe

    out = tmp_path / "sft"
    recipe = with_sft_overrides(grpo_recipe(), f"trainer.output_dir={out}")
    fake_finished_run(out)
    older = OmegaConf.to_container(warm_start.sft_recipe(recipe))
    del older["model"]["load_in_4bit"]  # as a version without the key saved it
    save_recipe(older, out)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("the finished SFT run was run again"))
    assert warm_start.resolve(recipe) == str(out)
