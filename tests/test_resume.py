"""Long runs survive: kill -9 and resume equals an uninterrupted run; SIGTERM writes a resumable checkpoint.

The runs are the quickstart recipe on the tiny Llama, 4 optimizer steps of 4 completions; steps_per_generation=3
makes the checkpoint at step 2 fall in the middle of a generation buffer (TRL generates at steps 0 and 3).
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from grpo_math.checkpoints import COMPLETE_MARKER, checkpoints_in, latest_complete
from grpo_math.errors import RecipeError
from grpo_math.recipe import load_recipe
from grpo_math.train import run

ROOT = Path(__file__).resolve().parent.parent


def tiny(model_dir, out, *extra):
    return [
        "recipe=quickstart",
        "~warm_start",
        f"model.name_or_path={model_dir}",
        f"trainer.output_dir={out}",
        "trainer.max_steps=4",
        "trainer.per_device_train_batch_size=4",
        "trainer.num_generations=4",
        "trainer.gradient_accumulation_steps=1",
        "trainer.steps_per_generation=3",
        "trainer.max_completion_length=8",
        "trainer.temperature=1.0",
        "trainer.learning_rate=1e-2",  # large enough that every step visibly moves the tiny model's weights
        "trainer.save_strategy=steps",
        "trainer.save_steps=2",
        "trainer.report_to=none",
        "data.sources.basic_arithmetic.size=16",
        "eval.datasets=[]",
        *extra,
    ]


def weights(out) -> dict:
    return load_file(str(Path(out) / "model.safetensors"))


def max_abs_diff(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k].float() - b[k].float()).abs().max()) for k in a)


# Runs the recipe in a child process that SIGKILLs itself as step 3 begins: checkpoint-2 is complete on disk,
# the step after it never finishes, nothing is cleaned up.
KILL_AFTER_CHECKPOINT_2 = textwrap.dedent("""
    import os, signal, sys
    from transformers import TrainerCallback
    import grpo_math.callbacks as callbacks
    from grpo_math.cli import train_main

    class KillMinus9(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):
            if state.global_step == 2:
                os.kill(os.getpid(), signal.SIGKILL)

    made = callbacks.dashboard_callbacks
    callbacks.dashboard_callbacks = lambda *args: [*made(*args), KillMinus9()]
    import grpo_math.train  # noqa: F401  (train() imports dashboard_callbacks from the patched module)
    sys.exit(train_main(sys.argv[1:]))
""")


def child(code: str, args: list[str], **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled"}
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env, text=True, **kwargs)


# Dynamic sampling draws refill prompts from its own random stream: a resumed run must draw the same ones.
DYNAMIC = ["dynamic_sampling.max_refills=2", "~rewards", "rewards.parity.fn=tests/fixture_rewards.py:odd_gold_parity",
           "rewards.parity.check=false", "rewards.parity.kind=shaping", "data.seed=1"]  # fmt: skip


@pytest.mark.parametrize("extra", [[], DYNAMIC], ids=["trl_sampling", "dynamic_sampling"])
def test_kill_9_after_a_mid_buffer_checkpoint_then_resume_equals_the_uninterrupted_run(tiny_model_dir, tmp_path, extra):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    first = run(load_recipe(tiny(tiny_model_dir, whole, *extra)))
    if extra:  # refills both before the checkpoint (step 1) and after it (step 4): the resumed run's refill stream
        # must continue where the killed one left it, or step 4 trains on other prompts (data.seed=1 makes both happen)
        refills = {h["step"]: h["dynamic_sampling/refills"] for h in first.state.log_history
                   if "dynamic_sampling/refills" in h}  # fmt: skip
        assert refills[1] > 0 and refills[4] > 0, refills

    proc = child(KILL_AFTER_CHECKPOINT_2, tiny(tiny_model_dir, killed, *extra), stdout=subprocess.DEVNULL,
                 stderr=subprocess.PIPE)  # fmt: skip
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == -signal.SIGKILL, err[-2000:]
    assert latest_complete(killed) == killed / "checkpoint-2"
    assert not (killed / "model.safetensors").exists()  # no "final" model for a run that did not finish

    trainer = run(load_recipe(tiny(tiny_model_dir, killed, *extra, "trainer.resume_from_checkpoint=latest")))
    assert trainer.state.global_step == 4
    # the resumed run did steps 3 and 4 only: its log history carries steps 1-2 from the checkpoint, once each
    assert [h["step"] for h in trainer.state.log_history if "loss" in h] == [1, 2, 3, 4]
    assert max_abs_diff(weights(whole), weights(killed)) == 0.0
    assert max_abs_diff(weights(whole / "checkpoint-4"), weights(killed / "checkpoint-4")) == 0.0


def test_checkpoints_are_marked_complete_and_the_total_limit_holds(tiny_model_dir, tmp_path):
    run(load_recipe(tiny(tiny_model_dir, tmp_path, "trainer.save_steps=1", "trainer.save_total_limit=2")))
    assert [p.name for p in checkpoints_in(tmp_path)] == ["checkpoint-3", "checkpoint-4"]
    for p in checkpoints_in(tmp_path):
        assert json.loads((p / COMPLETE_MARKER).read_text()) == {"global_step": int(p.name.split("-")[1])}
        assert (p / "grpo_generation_buffer_rank0.pt").is_file()


def test_resume_refusals_are_one_line_errors(tiny_model_dir, tmp_path):
    # a resume point that does not exist
    with pytest.raises(RecipeError, match="no such checkpoint dir"):
        run(load_recipe(tiny(tiny_model_dir, tmp_path, f"trainer.resume_from_checkpoint={tmp_path}/checkpoint-9")))
    with pytest.raises(RecipeError, match="holds no complete checkpoint|does not exist"):
        run(load_recipe(tiny(tiny_model_dir, tmp_path / "new", "trainer.resume_from_checkpoint=latest")))
    # a checkpoint the process died while writing: never picked as latest, refused when named
    partial = tmp_path / "checkpoint-2"
    partial.mkdir()
    (partial / "model.safetensors").write_bytes(b"half")
    with pytest.raises(RecipeError, match="holds no complete checkpoint"):
        run(load_recipe(tiny(tiny_model_dir, tmp_path, "trainer.resume_from_checkpoint=true")))
    with pytest.raises(RecipeError, match="that checkpoint is incomplete"):
        run(load_recipe(tiny(tiny_model_dir, tmp_path, f"trainer.resume_from_checkpoint={partial}")))
    # a fresh run into a dir that holds checkpoints: stops and says how to resume or start fresh
    with pytest.raises(RecipeError, match="holds checkpoints"):
        run(load_recipe(tiny(tiny_model_dir, tmp_path)))


def test_sigterm_writes_a_resumable_checkpoint_and_exits_non_zero(tiny_model_dir, tmp_path):
    args = tiny(tiny_model_dir, tmp_path, "trainer.max_steps=500", "trainer.save_steps=1", "trainer.save_total_limit=2")
    proc = child("import sys; from grpo_math.cli import guarded, train_main; sys.exit(guarded(train_main, sys.argv[1:]))",
                 args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.time() + 300
    while latest_complete(tmp_path) is None:  # training is under way once its first checkpoint is written
        assert proc.poll() is None and time.time() < deadline, proc.communicate()[1][-2000:]
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 128 + signal.SIGTERM, err[-3000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith("stopped: SIGTERM: GRPO interrupted at step ") and "resume_from_checkpoint=latest" in last
    assert "Traceback" not in err
    checkpoint = latest_complete(tmp_path)
    assert checkpoint is not None and f"checkpoint {checkpoint} written" in last
    assert not (tmp_path / "model.safetensors").exists() and not (tmp_path / "README.md").exists()

    step = int(checkpoint.name.split("-")[1])
    trainer = run(load_recipe(tiny(tiny_model_dir, tmp_path, f"trainer.max_steps={step + 1}",
                                   "trainer.resume_from_checkpoint=latest")))  # fmt: skip
    assert trainer.state.global_step == step + 1
    assert (tmp_path / "model.safetensors").is_file()


@pytest.mark.parametrize(
    "scores, message",
    [
        ([float("nan"), 1.0], "returned nan for completion 'first'"),  # NaN would read as "not applicable"
        ([1.0, float("inf")], "returned inf for completion 'second'"),  # inf would be logged and trained on
        ([1.0, "1"], "returned '1'"),  # a string is not a score
        ([1.0], "returned 1 values for 2 completions"),  # one score per completion
        (0.5, "returned float for 2 completions"),  # a list, not a scalar
    ],
)
def test_a_reward_returning_garbage_stops_with_its_name_and_the_completion(scores, message):
    from grpo_math.reward_funcs import NamedReward

    reward = NamedReward("broken", "test:broken", func=lambda completions, **kw: scores)
    chat = [[{"role": "assistant", "content": "first"}], [{"role": "assistant", "content": "second"}]]
    with pytest.raises(RecipeError, match=f"reward 'broken' {message}"):
        reward(completions=chat)


def test_none_and_numbers_of_any_kind_pass():
    from grpo_math.reward_funcs import NamedReward

    reward = NamedReward("ok", "test:ok", func=lambda completions, **kw: [None, 1, True, torch.tensor(0.5)])
    assert reward(completions=["a", "b", "c", "d"])[:3] == [None, 1, True]


def test_a_resumed_run_appends_to_the_same_wandb_run(tiny_model_dir, tmp_path):
    wandb_on = ["trainer.report_to=[wandb]", "wandb.mode=offline", "trainer.max_steps=2"]
    run(load_recipe(tiny(tiny_model_dir, tmp_path, *wandb_on)))
    first_id = (tmp_path / "wandb_run_id").read_text().strip()
    trainer = run(load_recipe(tiny(tiny_model_dir, tmp_path, *wandb_on, "trainer.max_steps=3",
                                   "trainer.resume_from_checkpoint=latest")))  # fmt: skip
    assert trainer.state.global_step == 3
    runs = sorted(p.name for p in (tmp_path / "wandb").glob("offline-run-*"))
    assert len(runs) == 2 and all(name.endswith(f"-{first_id}") for name in runs), runs  # `wandb sync` joins them
    assert (tmp_path / "wandb_run_id").read_text().strip() == first_id


def test_a_second_signal_stops_at_once():
    from grpo_math.interrupt import Interruption

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)  # SIG_IGN under nohup, for one
    with Interruption() as interruption:
        interruption._handle(signal.SIGINT, None)  # the first: noted, training goes on to the step's end
        assert interruption.requested and signal.getsignal(signal.SIGINT) == interruption._handle
        with pytest.raises(KeyboardInterrupt):
            interruption._handle(signal.SIGINT, None)
        assert signal.getsignal(signal.SIGINT) == before[0]  # handlers given back
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_the_alarm_windows_carry_on_from_the_restored_log_history():
    from transformers import TrainerControl, TrainerState

    from grpo_math.callbacks.alarms import AlarmCallback

    history = [{"loss": 0.1, "frac_reward_zero_std": 1.0, "step": i} for i in range(1, 4)]
    alarms = AlarmCallback([], [], window=4)
    state = TrainerState(log_history=history, global_step=3)
    alarms.on_train_begin(None, state, TrainerControl())
    assert list(alarms._series["zero_std"]) == [1.0, 1.0, 1.0]  # one more logged step fills the window
    state.is_world_process_zero = True
    alarms.on_log(None, state, TrainerControl(), logs={"loss": 0.1, "frac_reward_zero_std": 1.0})
    assert alarms._active["no_learning_signal"]
