"""Writes the PNG of the main curves (grpo_math.plots) at every checkpoint and when training ends, W&B or not."""

import logging

from transformers import TrainerCallback

logger = logging.getLogger(__name__)


class CurvesCallback(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        self._write(args, state)

    def on_train_end(self, args, state, control, **kwargs):
        self._write(args, state)

    @staticmethod
    def _write(args, state) -> None:
        if not state.is_world_process_zero:
            return
        from grpo_math.plots import write_curves

        try:
            write_curves(args.output_dir, state.log_history)
        except Exception as e:  # noqa: BLE001 -- a plot must never cost the run
            logger.warning(f"could not draw {args.output_dir}/training_curves.png ({type(e).__name__}: {e})")
