"""Alarms: which rewards count as format/correctness, and when each alarm fires (synthetic logs, no W&B)."""

import logging

import pytest
from omegaconf import OmegaConf
from transformers import TrainerState

from grpo_math.callbacks.alarms import AlarmCallback, reward_kinds
from grpo_math.reward_funcs import build_reward_funcs


def test_reward_kinds_come_from_each_reward(tmp_path):
    (tmp_path / "my_rewards.py").write_text(
        "from grpo_math.registry import reward\n"
        "@reward(kind='correctness')\n"
        "def exact(completions, answer, **kw):\n    return [1.0] * len(completions)\n"
        "def brevity(completions, **kw):\n    return [0.0] * len(completions)\n"
    )
    rewards = OmegaConf.create({
        "numeric_correctness": {"weight": 2.0},
        "integer_answer": {"weight": 0.5},  # the answer's shape (an integer), not whether it is right
        "xml_format_soft": {"fn": "xml_format", "weight": 0.5},  # a renamed key: its fn decides
        "tags": {"fn": "rewards.format:xml_count"},  # module:function
        "plugin": {"fn": f"{tmp_path}/my_rewards.py:exact"},  # a plugin's declared kind
        "mine": {"fn": f"{tmp_path}/my_rewards.py:brevity"},  # no kind: in neither list
        "theirs": {"fn": f"{tmp_path}/my_rewards.py:brevity", "kind": "correctness"},  # the recipe says
    })  # fmt: skip
    funcs, _ = build_reward_funcs(rewards, ["answer"])
    assert reward_kinds(funcs) == (
        ["integer_answer", "xml_format_soft", "tags"],
        ["numeric_correctness", "plugin", "theirs"],
    )


def logs(fmt, correct, zero_std=0.2, clipped=0.1):
    return {
        "loss": 0.0,
        "rewards/xml_format/mean": fmt,
        "rewards/numeric_correctness/mean": correct,
        "frac_reward_zero_std": zero_std,
        "completions/clipped_ratio": clipped,
    }


def feed(cb, entries):
    state = TrainerState()
    for step, entry in enumerate(entries, 1):
        state.global_step = step
        cb.on_log(None, state, None, logs=entry)
    return cb.check()


@pytest.mark.parametrize(
    "entries, fired",
    [
        # format climbs 0 -> 0.9 while correctness stays at 0.1: reward hacking
        ([logs(i / 10, 0.1) for i in range(10)], {"reward_hacking"}),
        # both climb: healthy learning, no alarm
        ([logs(i / 10, i / 20) for i in range(10)], set()),
        # format flat and high from the start: no hacking, but nothing moves while 80% of groups carry a gradient
        ([logs(0.9, 0.1) for _ in range(10)], {"reward_flat"}),
        # the same flat rewards with no gradient to follow: that alarm, not reward_flat
        ([logs(0.9, 0.1, zero_std=0.95) for _ in range(10)], {"no_learning_signal"}),
        # noisy but rising (0.3 -> 0.5 over the window): learning, no alarm
        ([logs(0.5, 0.3 + i / 50 + (0.1 if i % 2 else -0.1)) for i in range(10)], set()),
        # nearly every group has identical rewards: no learning signal
        ([logs(0.5, 0.1, zero_std=0.95) for _ in range(10)], {"no_learning_signal"}),
        # most completions cut at max length (and the rewards flat meanwhile)
        ([logs(0.5, 0.1 + i / 20, clipped=0.8) for i in range(10)], {"clipped_completions"}),
        # too few logged steps to judge: silent
        ([logs(i / 3, 0.1, zero_std=1.0, clipped=1.0) for i in range(4)], set()),
    ],
)
def test_alarm_conditions(entries, fired):
    states = feed(AlarmCallback(["xml_format"], ["numeric_correctness"], window=6), entries)
    assert {name for name, on in states.items() if on} == fired


def test_an_alarm_warns_once_on_the_console_with_the_fix(caplog):
    cb = AlarmCallback(["xml_format"], ["numeric_correctness"], window=4)
    with caplog.at_level(logging.WARNING, logger="grpo_math.callbacks.alarms"):
        feed(cb, [logs(0.5, 0.1, zero_std=1.0) for _ in range(8)])
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1  # fired when it started, not on every step while it holds
    assert "no_learning_signal at step 4" in warnings[0] and "temperature" in warnings[0]


def test_window_zero_turns_the_alarms_off():
    cb = AlarmCallback(["xml_format"], ["numeric_correctness"], window=0)
    assert not any(feed(cb, [logs(0.5, 0.1, zero_std=1.0) for _ in range(8)]).values())


def test_alarm_states_are_kept_in_the_log_history_for_the_png():
    cb, state = AlarmCallback(["xml_format"], ["numeric_correctness"], window=4), TrainerState()
    for step in range(1, 6):
        state.global_step = step
        state.log_history.append({**logs(0.5, 0.1), "step": step})
        cb.on_log(None, state, None, logs=state.log_history[-1])
    assert [h["alarms/reward_flat"] for h in state.log_history] == [0.0, 0.0, 0.0, 1.0, 1.0]
