"""Alarms that say, during the run, what the curves would show too late: a console warning, a W&B alert and an
`alarms/<name>` metric (1 while the condition holds, 0 otherwise).

- reward_hacking: the format rewards rise while the correctness rewards stay flat over the window.
- no_learning_signal: most groups have all-equal rewards (TRL's frac_reward_zero_std near 1), so there is no
  advantage to learn from.
- clipped_completions: most completions hit max_completion_length.
- reward_flat: the rewards have not moved over the window although most groups carried a gradient (the other side of
  no_learning_signal): GRPO is not following its reward. A learning rate too small for the model, or a bug that
  cancels the advantage (tests/test_grpo_learns.py guards this project's own paths).

Windows count logged steps (`wandb.alarm_window`). Which reward is "format" and which "correctness" is each
reward's kind (grpo_math.registry: declared by the reward, or `rewards.<key>.kind` in the recipe).
"""

import logging
from collections import deque
from statistics import fmean

from transformers import TrainerCallback

from grpo_math.callbacks.wandb_run import log_to_wandb

logger = logging.getLogger(__name__)

# Rewards are 0..1 (the weight gives the scale), so these are absolute.
FORMAT_RISE = 0.15  # format reward gain, late half of the window vs early half, that counts as rising
CORRECTNESS_FLAT = 0.03  # correctness gain below which it counts as flat
ZERO_STD_HIGH = 0.9  # mean frac_reward_zero_std over the window at which there is no learning signal
CLIPPED_HIGH = 0.5  # mean completions/clipped_ratio over the window at which "most" completions are cut
REWARD_FLAT = 0.03  # |gain| of the mean reward (each function's 0..1 mean, averaged) below which it has not moved

ALARMS = ("reward_hacking", "no_learning_signal", "clipped_completions", "reward_flat")


def reward_kinds(reward_funcs) -> tuple[list[str], list[str]]:
    """(format keys, correctness keys) of the run's rewards, from each one's kind (declared, or the recipe's)."""
    fmt = [f.__name__ for f in reward_funcs if getattr(f, "kind", None) == "format"]
    correct = [f.__name__ for f in reward_funcs if getattr(f, "kind", None) == "correctness"]
    return fmt, correct


class AlarmCallback(TrainerCallback):
    def __init__(self, format_keys: list[str], correctness_keys: list[str], window: int = 20):
        self.format_keys = format_keys
        self.correctness_keys = correctness_keys
        self.window = window
        self._series = {
            name: deque(maxlen=window) for name in ("format", "correctness", "reward", "zero_std", "clipped")
        }
        self._active = dict.fromkeys(ALARMS, False)

    def on_train_begin(self, args, state, control, **kwargs):
        # A resumed run: refill the windows from the restored log history, so an alarm that held goes on holding.
        for logs in state.log_history:
            self._add(logs)
        self._active = self.check()

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not self.window or not logs or not state.is_world_process_zero or not self._add(logs):
            return
        states = self.check()
        for name, on in states.items():
            if on and not self._active[name]:
                self._fire(name, state.global_step)
            self._active[name] = on
        values = {f"alarms/{name}": float(on) for name, on in states.items()}
        log_to_wandb(values, state.global_step)
        if state.log_history and state.log_history[-1].get("step") == state.global_step:
            state.log_history[-1].update(values)  # kept with the run (trainer_state.json) and drawn in the PNG

    def _add(self, logs: dict) -> bool:
        if "loss" not in logs:
            return False  # only training-step logs carry the metrics (not eval logs, not the end-of-run summary)
        self._append("format", logs, [f"rewards/{k}/mean" for k in self.format_keys])
        self._append("correctness", logs, [f"rewards/{k}/mean" for k in self.correctness_keys])
        self._append("reward", logs, [k for k in logs if k.startswith("rewards/") and k.endswith("/mean")])
        self._append("zero_std", logs, ["frac_reward_zero_std"])
        self._append("clipped", logs, ["completions/clipped_ratio"])
        return True

    def _append(self, series: str, logs: dict, keys: list[str]) -> None:
        values = [logs[k] for k in keys if logs.get(k) is not None]
        if values:
            self._series[series].append(fmean(values))

    def check(self) -> dict[str, bool]:
        """Each alarm's condition over the current window (False until the window is full)."""
        states = dict.fromkeys(ALARMS, False)
        if not self.window:
            return states
        full = {name: len(s) == self.window for name, s in self._series.items()}
        if full["format"] and full["correctness"]:
            states["reward_hacking"] = (
                _gain(self._series["format"]) >= FORMAT_RISE and _gain(self._series["correctness"]) < CORRECTNESS_FLAT
            )
        if full["zero_std"]:
            states["no_learning_signal"] = fmean(self._series["zero_std"]) >= ZERO_STD_HIGH
            if full["reward"]:
                states["reward_flat"] = (
                    not states["no_learning_signal"] and abs(_gain(self._series["reward"])) < REWARD_FLAT
                )
        if full["clipped"]:
            states["clipped_completions"] = fmean(self._series["clipped"]) >= CLIPPED_HIGH
        return states

    def message(self, name: str) -> str:
        s, w = self._series, self.window
        if name == "reward_hacking":
            return (
                f"format reward rose by {_gain(s['format']):+.2f} over the last {w} logged steps while correctness "
                f"moved {_gain(s['correctness']):+.2f}: the policy may be learning the format, not the math "
                f"(check the completion table; lower the format rewards' weight)"
            )
        if name == "no_learning_signal":
            return (
                f"{fmean(s['zero_std']):.0%} of groups had identical rewards over the last {w} logged steps: almost no "
                f"learning signal (warm-start with SFT, raise trainer.temperature or trainer.num_generations, "
                f"or use easier problems)"
            )
        if name == "reward_flat":
            return (
                f"the mean reward moved {_gain(s['reward']):+.3f} over the last {w} logged steps while "
                f"{1 - fmean(s['zero_std']):.0%} of groups carried a gradient: the policy is not following the reward "
                f"(raise trainer.learning_rate, or check a custom reward's sign and its columns)"
            )
        return (
            f"{fmean(s['clipped']):.0%} of completions hit max_completion_length over the last {w} logged steps "
            f"(raise trainer.max_completion_length, or reward shorter answers)"
        )

    def _fire(self, name: str, step: int) -> None:
        text = self.message(name)
        logger.warning(f"alarm {name} at step {step}: {text}")
        try:
            import wandb

            if wandb.run is not None:
                wandb.run.alert(title=f"grpo-math: {name}", text=f"step {step}: {text}", level="WARN")
        except Exception as e:  # noqa: BLE001 -- an alert that cannot be sent must not stop training
            logger.warning(f"W&B: could not send the {name} alert ({type(e).__name__}: {e})")


def _gain(values) -> float:
    """Mean of the later half minus mean of the earlier half: robust to step-to-step noise, unlike a last-first."""
    values = list(values)
    half = len(values) // 2
    return fmean(values[-half:]) - fmean(values[:half])
