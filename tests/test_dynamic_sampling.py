"""Dynamic sampling: groups whose completions all scored the same are dropped before the training pass and
refilled with fresh prompts; the batch TRL buffers holds only groups with a gradient; counts reach the logs."""

import pytest
import torch

from grpo_math.dynamic_sampling import RefillOrder, concat_batches, informative_groups, take_rows
from grpo_math.errors import RecipeError
from grpo_math.recipe import load_recipe
from grpo_math.registry import register_reward


def test_a_group_is_informative_when_any_advantage_is_non_zero():
    adv = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.5, -0.5, 0.0, 0.0, 0.0, 1.0, 0.0, -1.0])
    assert informative_groups(adv, 4).tolist() == [False] * 4 + [True] * 4 + [True] * 4
    assert informative_groups(torch.zeros(4), 2).tolist() == [False] * 4


def test_batches_of_different_widths_join_with_prompts_left_and_completions_right_padded():
    a = {
        "prompt_ids": torch.tensor([[5, 6]]),
        "prompt_mask": torch.tensor([[1, 1]]),
        "completion_ids": torch.tensor([[7, 8, 9]]),
        "completion_mask": torch.tensor([[1, 1, 1]]),
        "advantages": torch.tensor([1.0]),
        "num_items_in_batch": torch.tensor(3),
        "old_per_token_logps": None,
    }
    b = {"prompt_ids": torch.tensor([[4, 5, 6]]), "prompt_mask": torch.tensor([[1, 1, 1]]),
         "completion_ids": torch.tensor([[3]]), "completion_mask": torch.tensor([[1]]),
         "advantages": torch.tensor([-1.0]), "num_items_in_batch": torch.tensor(1), "old_per_token_logps": None}  # fmt: skip
    out = concat_batches([a, b], pad_token_id=0)
    assert out["prompt_ids"].tolist() == [[0, 5, 6], [4, 5, 6]]
    assert out["prompt_mask"].tolist() == [[0, 1, 1], [1, 1, 1]]
    assert out["completion_ids"].tolist() == [[7, 8, 9], [3, 0, 0]]
    assert out["completion_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert out["advantages"].tolist() == [1.0, -1.0] and out["old_per_token_logps"] is None
    assert take_rows(out, torch.tensor([1]))["completion_ids"].tolist() == [[3, 0, 0]]
    with pytest.raises(ValueError, match="pixel_values"):
        concat_batches([{**a, "pixel_values": torch.zeros(1)}], 0)


def test_refills_ask_every_problem_once_before_any_twice_and_resume_where_they_stopped():
    order = RefillOrder(10, seed=3)
    first_pass = order.take(4) + order.take(3) + order.take(3)
    assert sorted(first_pass) == list(range(10))
    straddling = order.take(6)  # the rest of nothing, then a new shuffle
    assert len(set(straddling)) == 6
    saved = order.state_dict()
    ahead = order.take(7)  # past the end of the second pass
    resumed = RefillOrder(10, seed=99)
    resumed.load_state_dict(saved)
    assert resumed.take(7) == ahead
    assert sorted(straddling + ahead[:4]) == list(range(10))
    assert first_pass != straddling + ahead[:4]  # each pass is reshuffled


@register_reward("odd_gold_only", kind="shaping")
def odd_gold_only(completions, answer, **kwargs):
    """Varies within a group only when the gold is odd: even-gold groups all score 0 (no gradient)."""
    return [float(len(str(c)) % 3) if int(a) % 2 else 0.0 for c, a in zip(completions, answer, strict=True)]


TINY = ["recipe=quickstart", "~warm_start", "trainer.max_steps=3", "trainer.per_device_train_batch_size=8",
        "trainer.num_generations=4", "trainer.max_completion_length=6", "trainer.report_to=none",
        "trainer.logging_steps=1", "data.sources.basic_arithmetic.size=40", "eval.datasets=[]", "~rewards",
        "rewards.odd_gold_only.weight=1.0", "wandb.table_rows=0"]  # fmt: skip


def test_only_informative_groups_are_trained_and_the_counts_are_logged(tiny_model_dir, tmp_path, handed_batches):
    from grpo_math.train import run

    trainer = run(load_recipe([*TINY, f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={tmp_path}",
                               "dynamic_sampling.max_refills=3"]))  # fmt: skip
    assert trainer.state.global_step == 3
    logged = [h for h in trainer.state.log_history if "dynamic_sampling/groups_generated" in h]
    assert len(logged) == 3
    assert sum(h["dynamic_sampling/groups_dropped"] for h in logged) > 0  # even golds (about half) were dropped
    assert all(h["dynamic_sampling/groups_generated"] >= 2 for h in logged)
    assert any(h["dynamic_sampling/refills"] > 0 for h in logged)
    # every batch TRL trained on: every group of 4 has a gradient
    assert len(handed_batches) == 3 and all(informative_groups(b["advantages"], 4).all() for b in handed_batches)
    batch = trainer._buffered_inputs[0]
    assert batch["num_items_in_batch"] == batch["completion_mask"].sum()


def test_a_batch_is_cut_to_whole_groups_when_steps_per_generation_does_not_divide_a_group(
    tiny_model_dir, tmp_path, handed_batches
):
    """Groups of 4, 3 slices a generation, no refills: with 12 or more informative rows the batch keeps a multiple of
    12, never a group cut after 3 of its 4 (16 kept rows train 12, not 15)."""
    from grpo_math.train import run

    run(load_recipe([*TINY, f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={tmp_path}",
                     "trainer.steps_per_generation=3", "trainer.max_steps=24", "dynamic_sampling.max_refills=0"]))  # fmt: skip
    sizes = [len(b["advantages"]) for b in handed_batches]
    assert len(sizes) == 8 and any(n >= 12 for n in sizes), sizes
    assert all(n % 12 == 0 for n in sizes if n >= 12), sizes
    for batch in handed_batches:
        prompts = batch["prompt_ids"].tolist()
        whole = len(prompts) // 4 * 4  # below 12 rows a group may be cut: TRL still needs 3 equal slices
        assert all(prompts[i] == prompts[i - i % 4] for i in range(whole))  # consecutive fours share a prompt
        assert informative_groups(batch["advantages"][:whole], 4).all()


@register_reward("same_for_all", kind="shaping")
def same_for_all(completions, **kwargs):
    """Every completion scores the same: no group ever has a gradient."""
    return [1.0] * len(completions)


def test_a_step_whose_refills_find_nothing_informative_still_trains(tiny_model_dir, tmp_path):
    """Every round uniform: the step trains one slice of zero-advantage rows (a no-op), never crashes on an empty join."""
    from grpo_math.train import run

    trainer = run(load_recipe([*TINY, f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={tmp_path}",
                               "~rewards.odd_gold_only", "rewards.same_for_all.weight=1.0", "trainer.max_steps=1",
                               "dynamic_sampling.max_refills=2"]))  # fmt: skip
    (logged,) = [h for h in trainer.state.log_history if "dynamic_sampling/groups_generated" in h]
    assert logged["dynamic_sampling/groups_dropped"] == logged["dynamic_sampling/groups_generated"] == 6
    assert (trainer._buffered_inputs[0]["advantages"] == 0).all()


def test_without_the_section_every_group_trains(tiny_model_dir, tmp_path):
    from grpo_math.train import run

    trainer = run(load_recipe([*TINY, f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={tmp_path}",
                               "trainer.max_steps=1"]))  # fmt: skip
    assert not any("dynamic_sampling/groups_generated" in h for h in trainer.state.log_history)
    assert len(trainer._buffered_inputs[0]["advantages"]) == 8


@pytest.mark.parametrize("override, message", [
    ("dynamic_sampling.max_refills=-1", "dynamic_sampling.max_refills=-1 must be an integer >= 0"),
    ("dynamic_sampling.max_refills=many", "max_refills"),
])  # fmt: skip
def test_bad_settings_stop_in_preflight(tiny_model_dir, tmp_path, override, message):
    from grpo_math.train import run

    with pytest.raises(RecipeError, match=message):
        run(load_recipe([*TINY, f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={tmp_path}",
                         "dynamic_sampling.max_refills=2", override]), dry_run=True)  # fmt: skip
