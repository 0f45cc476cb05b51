"""What a run shows while it trains: the W&B run, completion tables, timing split, alarms, the PNG of the curves.

    start_wandb(recipe, config)             bounded W&B start on the main process; settles config.report_to
    dashboard_callbacks(recipe, rewards)    callbacks for GRPOMathTrainer (grpo_math.grpo_math_trainer)
    finish_wandb()                          bounded close at the end of the run

transformers' WandbCallback / TensorBoardCallback (from trainer.report_to) log the metrics themselves; these
add what they do not have.
"""

from grpo_math.callbacks.wandb_run import finish_wandb, start_wandb

__all__ = ["dashboard_callbacks", "finish_wandb", "start_wandb"]


def dashboard_callbacks(recipe, reward_funcs) -> list:
    from grpo_math.callbacks.alarms import AlarmCallback, reward_kinds
    from grpo_math.callbacks.completion_table import CompletionTableCallback
    from grpo_math.callbacks.curves import CurvesCallback

    format_keys, correctness_keys = reward_kinds(reward_funcs)
    return [
        CompletionTableCallback(max_rows=recipe.wandb.table_rows),
        AlarmCallback(format_keys, correctness_keys, window=recipe.wandb.alarm_window),
        CurvesCallback(),
    ]
