"""SIGTERM and SIGINT (Slurm preemption, scancel, Ctrl-C): finish the step, write a checkpoint, stop, say how to resume.

    with Interruption() as interruption:      # handlers installed for the whole run, restored after
        trainer.add_callback(interruption)    # at the end of the current optimizer step: save and stop
        trainer.train()
    interruption.raise_if_stopped(...)        # -> Interrupted: one line, exit code 128 + signal number

A second signal stops at once (KeyboardInterrupt): the last complete checkpoint stays the resume point. Under
several processes the ranks agree, at every step's end, to stop at the same step (a rank that has not seen the
signal yet would otherwise wait forever in the next step's collectives).
"""

import signal
import sys

from transformers import TrainerCallback

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Interrupted(Exception):
    """The run stopped on a signal after writing a checkpoint; `exit_code` is 128 + the signal number."""

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.exit_code = 128 + signum


class Interruption(TrainerCallback):
    def __init__(self):
        self.signum: int | None = None
        self.stopped_at: int | None = None  # the global step training stopped at, once it has
        self._previous = {}
        self._accelerator = None

    # --- the handlers ---------------------------------------------------------------------------------------
    def __enter__(self):
        for sig in SIGNALS:
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread (a notebook's worker, a test runner's thread): leave as is
                pass
        return self

    def __exit__(self, *exc):
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()
        return False

    def _handle(self, signum, frame):
        if self.signum is not None:  # the second signal: stop at once
            self.__exit__()
            raise KeyboardInterrupt
        self.signum = signum
        print(
            f"\n[grpo-math] {signal.Signals(signum).name} received: finishing this step, then writing a checkpoint "
            "and stopping (send it again to stop at once, without a checkpoint)",
            file=sys.stderr,
            flush=True,
        )

    @property
    def requested(self) -> bool:
        return self.signum is not None

    # --- the callback ---------------------------------------------------------------------------------------
    def bind(self, accelerator) -> "Interruption":
        """Ranks must agree on the step to stop at: the accelerator gathers every rank's flag."""
        self._accelerator = accelerator
        return self

    def on_step_end(self, args, state, control, **kwargs):
        signum = self._agreed_signal()
        if signum:
            self.signum = self.signum or signum
            self.stopped_at = state.global_step
            control.should_save = True
            control.should_training_stop = True
            control.should_evaluate = False
        return control

    def _agreed_signal(self) -> int:
        accelerator = self._accelerator
        if accelerator is None or accelerator.num_processes == 1:
            return self.signum or 0
        import torch

        flag = torch.tensor([self.signum or 0], device=accelerator.device)
        return int(accelerator.reduce(flag, reduction="max").item())

    def raise_if_stopped(self, what: str, max_steps: int, checkpoint: str | None) -> None:
        if self.stopped_at is None and self.signum is None:
            return
        name = signal.Signals(self.signum).name
        if self.stopped_at is None:
            raise Interrupted(
                f"{name}: {what} stopped before its first step; nothing to resume, run it again", self.signum
            )
        where = f"checkpoint {checkpoint} written" if checkpoint else "no checkpoint written"
        raise Interrupted(
            f"{name}: {what} interrupted at step {self.stopped_at} of {max_steps}, {where}; resume with the same "
            f"command plus trainer.resume_from_checkpoint=latest",
            self.signum,
        )
