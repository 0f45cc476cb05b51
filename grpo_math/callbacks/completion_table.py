"""One W&B table of sampled completions per logging step, with the history kept.

TRL logs its completions under one key whose table each step replaces. Here the table is an INCREMENTAL
wandb.Table: every logging step adds its own increment (its own table file, its step in the `step` column),
and the W&B panel can show one step or all of them. Rows per step are capped by `wandb.table_rows`, taken
whole groups first, so the completions of one prompt sit together with their advantages.

The rows (grpo_math.callbacks.completions) come from GRPOMathTrainer, which calls `on_completions`.
"""

from transformers import TrainerCallback

from grpo_math.callbacks.wandb_run import log_to_wandb

TABLE_KEY = "completions_by_step"  # not "completions": TRL logs its latest-only table there (log_completions)


class CompletionTableCallback(TrainerCallback):
    def __init__(self, max_rows: int):
        self.max_rows = max_rows
        self._table = None

    def on_completions(self, args, state, rows: list[dict]) -> None:
        import wandb

        if wandb.run is None or not rows or not self.max_rows or not state.is_world_process_zero:
            return
        if self._table is None:
            # Columns are fixed at the first step: the same rewards score every batch.
            self._table = wandb.Table(columns=list(rows[0]), log_mode="INCREMENTAL", allow_mixed_types=True)
        for row in rows[: self.max_rows]:
            self._table.add_data(*(row.get(c) for c in self._table.columns))
        log_to_wandb({TABLE_KEY: self._table}, state.global_step)

    def on_train_end(self, args, state, control, **kwargs):
        self._table = None  # a later training in this process starts a table of its own
