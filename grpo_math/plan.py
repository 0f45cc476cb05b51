"""recipe -> plan, built once; preflight checks it, `--dry-run` prints it, the runner executes it.

    plan = make_plan(recipe)       # the TRL config, the bound reward functions with weights and kinds
    preflight.check(plan, ...)     # every failure a one-line error, before any weights load
    execute(plan, interruption)    # grpo_math.train.train or grpo_math.sft.train

`run()` is the part GRPO and SFT share: plan, check, print or save the recipe, install the signal handlers.
"""

from dataclasses import dataclass, field

from grpo_math.errors import RecipeError
from grpo_math.trl_config import build_trl_config


@dataclass
class Plan:
    recipe: object  # the validated recipe (omegaconf DictConfig), every default filled in
    config: object  # trl.GRPOConfig or trl.SFTConfig
    reward_funcs: list = field(default_factory=list)  # GRPO: one callable per recipe reward, named by its key
    reward_weights: list = field(default_factory=list)


def make_plan(recipe) -> Plan:
    from grpo_math.run_checks import check_data

    config = build_trl_config(recipe)
    check_data(recipe.data)  # sources, sizes and local files first: the rewards are bound to the data's columns
    if recipe.task != "grpo":
        return Plan(recipe, config)
    from grpo_math.data import source_columns
    from grpo_math.reward_funcs import build_reward_funcs, run_settings

    if not recipe.rewards:
        raise RecipeError("the rewards section is empty: add e.g. rewards.numeric_correctness.weight=1.0")
    # Columns known without loading the data (each adapter declares its own); the built dataset is checked
    # against the same requirements once it exists (grpo_math.reward_funcs.check_columns).
    funcs, weights = build_reward_funcs(recipe.rewards, source_columns(recipe.data), run_settings(recipe))
    config.reward_weights = weights
    return Plan(recipe, config, funcs, weights)


def run(recipe, task: str, execute, dry_run=False):
    """Plan, check, then `execute(plan, interruption)` (or print the plan and stop, for a dry run: True, or a
    grpo_math.memory.DryRun with the GPU and launch its memory plan is for)."""
    from grpo_math import preflight
    from grpo_math.cpu_heap import keep_heap_when_training_on_cpu
    from grpo_math.interrupt import Interruption
    from grpo_math.recipe import LAUNCHERS, save_recipe
    from grpo_math.report import dry_run_report

    if recipe.task != task:
        raise RecipeError(
            f"recipe {recipe.name!r} has task={recipe.task}: run it with {LAUNCHERS[recipe.task]}, or set task: {task}"
        )
    plan = make_plan(recipe)
    preflight.check(plan, dry_run=bool(dry_run))
    if dry_run:
        from grpo_math.memory import DryRun, memory_report
        from grpo_math.preview import DryRunData, preview

        print(dry_run_report(recipe, plan.config))
        data = DryRunData.load(recipe)  # the tokenizer and training rows, where this machine has them
        print(preview(recipe, plan, data))  # the exact prompts, and a gold completion's rewards
        options = dry_run if isinstance(dry_run, DryRun) else DryRun()
        print(memory_report(recipe, plan.config, options, data.longest_prompt()))
        return None
    from accelerate import PartialState

    if PartialState().is_main_process:
        print(preflight.summary(recipe, plan.config))
        save_recipe(recipe, plan.config.output_dir)
    keep_heap_when_training_on_cpu()  # freed activations and gradients stay in the process: fewer page faults
    with Interruption() as interruption:  # SIGTERM/SIGINT from here on: checkpoint at the step's end, then stop
        return execute(plan, interruption)
