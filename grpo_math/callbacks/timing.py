"""Where an optimizer step's time goes: generation, reward scoring, log-probs, forward/backward, optimizer.

TRL's `profiling/Time taken: ...` goes to W&B only, per call, without a step; here every phase is summed per
optimizer step and logged with the step's other metrics, so TensorBoard and the PNG get it too. The phases
nest as GRPO runs them, and the split is what is left at each level:

    step (on_step_begin -> on_optimizer_step)
    +- micro-steps (training_step, once per gradient-accumulation step)
    |  +- generate-and-score (only on steps that make a new generation batch)
    |  |  +- generation          completions sampled (transformers generate or vLLM)
    |  |  +- reward              the reward functions
    |  |  +- logprobs            the rest: old/reference-policy log-probs, advantages, gathers
    |  +- forward_backward      the rest: the policy's loss forward and backward
    +- optimizer               the rest: gradient clipping and the optimizer step

Times are wall-clock seconds of the process that logs (the main one); tokens/s are that process's tokens.
"""

import time
from collections import defaultdict
from contextlib import contextmanager

from transformers import TrainerCallback

PHASES = ("generation", "reward", "logprobs", "forward_backward", "optimizer")


class StepTimer:
    """Sums named phases and token counts between `begin_step` and `end_step`."""

    def __init__(self, clock=time.perf_counter):
        self.clock = clock
        self._seconds = defaultdict(float)
        self._tokens = defaultdict(int)
        self._begin = None
        self._end = None

    @contextmanager
    def phase(self, name: str):
        start = self.clock()
        try:
            yield
        finally:
            self._seconds[name] += self.clock() - start

    def add_tokens(self, name: str, n: int) -> None:
        self._tokens[name] += int(n)

    def begin_step(self) -> None:
        self._seconds.clear()
        self._tokens.clear()
        self._begin, self._end = self.clock(), None

    def mark_optimizer_done(self) -> None:
        self._end = self.clock()

    def end_step(self) -> dict[str, float]:
        """This step's `timing/*` metrics; {} when no step was begun (e.g. resumed mid-step)."""
        if self._begin is None:
            return {}
        step = (self._end or self.clock()) - self._begin
        s = self._seconds
        split = {
            "generation": s["generation"],
            "reward": s["reward"],
            "logprobs": max(0.0, s["generate_and_score"] - s["generation"] - s["reward"]),
            "forward_backward": max(0.0, s["micro_step"] - s["generate_and_score"]),
            "optimizer": max(0.0, step - s["micro_step"]),
        }
        metrics = {f"timing/{name}_s": split[name] for name in PHASES}
        metrics["timing/step_s"] = step
        if split["generation"] > 0:  # steps that reuse a generation batch generate nothing
            metrics["timing/generation_tokens_per_s"] = self._tokens["generation"] / split["generation"]
        update = split["forward_backward"] + split["optimizer"]
        if update > 0 and self._tokens["train"]:
            metrics["timing/train_tokens_per_s"] = self._tokens["train"] / update
        self._begin = None
        return metrics


class StepClock(TrainerCallback):
    """Marks optimizer-step boundaries for a StepTimer and hands each step's metrics to `sink`.

    `on_optimizer_step` (right after optimizer.step()) closes the step, so whatever other callbacks do in
    `on_step_end` (evaluation, say) is not counted as training time.
    """

    def __init__(self, timer: StepTimer, sink):
        self.timer = timer
        self.sink = sink

    def on_step_begin(self, args, state, control, **kwargs):
        self.timer.begin_step()

    def on_optimizer_step(self, args, state, control, **kwargs):
        self.timer.mark_optimizer_done()

    def on_step_end(self, args, state, control, **kwargs):
        self.sink(self.timer.end_step())
