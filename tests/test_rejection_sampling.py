"""Rejection-sampling fine-tuning (grpo_math.rejection_sampling) on the tiny model: a round samples, keeps what every
reward accepts, and learns exactly those rows; rounds chain; a resumed run reuses finished rounds and its samples."""

import json

import pytest

from grpo_math.errors import RecipeError
from grpo_math.recipe import load_recipe
from grpo_math.registry import register_reward
from grpo_math.rejection_sampling import COUNTS_FILE, SAMPLES_FILE, check_rejection_sampling
from grpo_math.sft import run
from grpo_math.warm_start import FINISHED_MARKER, is_finished


@register_reward("even_length", kind="correctness")
def even_length(completions, **kwargs):
    """1.0 when the completion's text has an even number of characters: about half a random model's samples."""
    return [float(len(c[-1]["content"] if isinstance(c, list) else c) % 2 == 0) for c in completions]


def rft(model_dir, out, *extra):
    return load_recipe([
        "recipe=quickstart_rft", "~warm_start", f"model.name_or_path={model_dir}", f"trainer.output_dir={out}",
        "data.sources.basic_arithmetic.size=12", "rejection_sampling.k=3", "rejection_sampling.max_new_tokens=6",
        "rejection_sampling.batch_size=6", "~rewards", "rewards.even_length.weight=1.0", "trainer.max_length=128",
        "trainer.per_device_train_batch_size=4", "trainer.logging_steps=1", "eval.datasets=[]", *extra,
    ])  # fmt: skip


def test_two_rounds_learn_exactly_the_accepted_samples_and_chain(tiny_model_dir, tmp_path):
    trainer = run(rft(tiny_model_dir, tmp_path, "rejection_sampling.rounds=2"))
    first, last = tmp_path / "rft_round_1", tmp_path
    for out in (first, last):
        counts = json.loads((out / COUNTS_FILE).read_text())
        rows = [json.loads(line) for line in (out / SAMPLES_FILE).read_text().splitlines()]
        assert counts["problems"] == 12 and counts["samples"] == 36
        assert 0 < counts["accepted_samples"] < 36  # the reward decided: some kept, some not
        assert len(rows) == counts["rows"] == counts["problems_kept"]  # keep_per_problem=1
        assert all(len(r["completion"][0]["content"]) % 2 == 0 for r in rows)  # only accepted text is learnt
        assert json.loads((out / FINISHED_MARKER).read_text())["train_rows"] == len(rows)
        assert is_finished(out)
    # round 2 sampled from round 1's model, not from the start
    assert json.loads((last / COUNTS_FILE).read_text())["model"] == str(first.resolve())
    logged = next(h for h in trainer.state.log_history if "rft/accepted_samples" in h)
    assert logged["rft/round"] == 2 and logged["rft/samples"] == 36


def test_a_resumed_run_reuses_finished_rounds_and_sampled_ones(tiny_model_dir, tmp_path, capsys):
    run(rft(tiny_model_dir, tmp_path, "rejection_sampling.rounds=2"))
    (tmp_path / FINISHED_MARKER).unlink()  # as if the last round died after sampling, before its model was saved
    samples = (tmp_path / SAMPLES_FILE).read_text()
    run(rft(tiny_model_dir, tmp_path, "rejection_sampling.rounds=2", "trainer.resume_from_checkpoint=latest"))
    out = capsys.readouterr().out
    assert "round 1: finished in" in out and "round 2: reusing its samples" in out
    assert (tmp_path / SAMPLES_FILE).read_text() == samples and is_finished(tmp_path)


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["rejection_sampling.k=4", "rejection_sampling.temperature=0"], "need a temperature above 0"),
        (["rejection_sampling.rounds=0"], "rejection_sampling.rounds=0 must be an integer >= 1"),
        (["~rewards"], "`rewards` is empty: add the rewards that decide"),
        (["rewards.numeric_corectness={}"], "numeric_corectness"),  # a typo: the registry's did-you-mean
    ],
)
def test_bad_settings_are_one_line_errors(overrides, message):
    with pytest.raises(RecipeError, match=message):
        check_rejection_sampling(load_recipe(["recipe=quickstart_rft", *overrides]))


def test_a_grpo_recipe_cannot_take_the_section():
    recipe = load_recipe(["recipe=quickstart", "rejection_sampling.k=2"])
    with pytest.raises(RecipeError, match="rejection_sampling belongs in an SFT recipe"):
        check_rejection_sampling(recipe)


def test_no_accepted_sample_says_what_to_change(tiny_model_dir, tmp_path):
    with pytest.raises(RecipeError, match="no sample of 12 problems scored 1.0 on every reward"):
        run(rft(tiny_model_dir, tmp_path, "~rewards", "rewards.numeric_correctness.weight=1.0"))
