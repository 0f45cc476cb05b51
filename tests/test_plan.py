"""The plan is built once: a dry run and a real run each make every reward exactly once."""

import sys

from grpo_math.recipe import load_recipe
from grpo_math.train import run

FACTORY = """
from grpo_math.registry import reward

CALLS = []

@reward(kind="shaping", factory=True)
def make_brevity(limit):
    CALLS.append(limit)  # one entry per reward made

    def brevity(completions, **kwargs):
        return [float(len(str(c)) < limit) for c in completions]

    return brevity
"""


def recipe(tmp_path, *extra):
    plugin = tmp_path / "counting_rewards.py"
    plugin.write_text(FACTORY)
    return load_recipe([
        "recipe=quickstart", "~warm_start", f"trainer.output_dir={tmp_path / 'out'}",
        f"rewards.brevity.fn={plugin}:make_brevity", "rewards.brevity.kwargs.limit=100", "rewards.brevity.weight=0.1",
        *extra,
    ])  # fmt: skip


def calls(tmp_path) -> list:
    """The plugin's counter: the file is imported once per process, under a name of its own."""
    path = str(tmp_path / "counting_rewards.py")
    (module,) = [m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == path]
    return module.CALLS


def test_a_dry_run_makes_each_reward_once(tmp_path):
    run(recipe(tmp_path), dry_run=True)  # preflight's reward check included
    assert calls(tmp_path) == [100]


def test_a_run_makes_each_reward_once(tmp_path, tiny_model_dir):
    tiny = [f"model.name_or_path={tiny_model_dir}", "trainer.max_steps=1", "trainer.per_device_train_batch_size=4",
            "trainer.num_generations=4", "trainer.max_completion_length=4", "trainer.report_to=none",
            "data.sources.basic_arithmetic.size=4", "eval.datasets=[]"]  # fmt: skip
    r = recipe(tmp_path, *tiny)
    trainer = run(r)
    assert trainer.state.global_step == 1
    assert calls(tmp_path) == [100]
