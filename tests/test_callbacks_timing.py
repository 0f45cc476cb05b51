"""The timing split: each phase is what is left at its level, summed per optimizer step (a fake clock drives it)."""

import pytest

from grpo_math.callbacks.timing import PHASES, StepClock, StepTimer


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def run_step(timer, clock, micro_steps=2, generate_on=(0,)):
    """One optimizer step shaped like GRPO's: micro-steps, the first one generating and scoring."""
    timer.begin_step()
    for i in range(micro_steps):
        with timer.phase("micro_step"):
            if i in generate_on:
                with timer.phase("generate_and_score"):
                    with timer.phase("generation"):
                        clock.advance(4.0)
                        timer.add_tokens("generation", 200)
                    with timer.phase("reward"):
                        clock.advance(0.5)
                    clock.advance(1.0)  # log-probs, advantages
            clock.advance(2.0)  # forward + backward
            timer.add_tokens("train", 300)
    clock.advance(0.5)  # clipping + optimizer.step()
    timer.mark_optimizer_done()
    clock.advance(10.0)  # e.g. an evaluation in on_step_end: not training time
    return timer.end_step()


def test_split_adds_up_to_the_step():
    clock = FakeClock()
    m = run_step(StepTimer(clock), clock)
    assert m["timing/generation_s"] == 4.0
    assert m["timing/reward_s"] == 0.5
    assert m["timing/logprobs_s"] == 1.0
    assert m["timing/forward_backward_s"] == 4.0  # two micro-steps of 2 s
    assert m["timing/optimizer_s"] == 0.5
    assert m["timing/step_s"] == 10.0  # stops at on_optimizer_step, not at on_step_end
    assert sum(m[f"timing/{p}_s"] for p in PHASES) == pytest.approx(m["timing/step_s"])
    assert m["timing/generation_tokens_per_s"] == 50.0  # 200 tokens / 4 s
    assert m["timing/train_tokens_per_s"] == pytest.approx(600 / 4.5)


def test_a_step_that_reuses_its_generation_batch_has_no_generation_rate():
    clock = FakeClock()
    m = run_step(StepTimer(clock), clock, generate_on=())
    assert m["timing/generation_s"] == 0.0
    assert "timing/generation_tokens_per_s" not in m


def test_sums_reset_between_steps_and_end_without_begin_is_empty():
    clock = FakeClock()
    timer = StepTimer(clock)
    run_step(timer, clock)
    assert run_step(timer, clock)["timing/generation_s"] == 4.0  # not 8: the first step's sums are gone
    assert timer.end_step() == {}  # e.g. resumed mid-step: nothing to report


def test_step_clock_hands_each_step_to_the_sink():
    clock, got = FakeClock(), []
    timer = StepTimer(clock)
    cb = StepClock(timer, got.append)
    cb.on_step_begin(None, None, None)
    clock.advance(3.0)
    cb.on_optimizer_step(None, None, None)
    cb.on_step_end(None, None, None)
    assert got == [{**{f"timing/{p}_s": 0.0 for p in PHASES}, "timing/optimizer_s": 3.0, "timing/step_s": 3.0}]
