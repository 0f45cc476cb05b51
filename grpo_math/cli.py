"""`grpo-math` console script: train | sft | eval | compare | rewards {list,check,score}."""

import os
import sys

from grpo_math.errors import RecipeError

USAGE = """usage: grpo-math COMMAND recipe=NAME [key=value ...] [~key] [--dry-run [--gpu-memory 80GB] [--accelerate-config FILE]]

commands:
  train     GRPO training (same as python launch/grpo.py)
  sft       supervised fine-tuning (same as python launch/sft.py)
  eval      evaluation (same as python launch/eval.py)
  compare   BASELINE.samples.jsonl OTHER.samples.jsonl ...: accuracy differences, paired problem by problem
  rewards   list | check recipe=NAME | score recipe=NAME FILE.jsonl"""


def train_main(argv: list[str]) -> int:
    from grpo_math.recipe import load_recipe
    from grpo_math.train import run

    dry_run, argv = dry_run_options(argv)
    run(load_recipe(argv), dry_run=dry_run)
    return 0


def sft_main(argv: list[str]) -> int:
    from grpo_math.recipe import load_recipe
    from grpo_math.sft import run

    dry_run, argv = dry_run_options(argv)
    run(load_recipe(argv), dry_run=dry_run)
    return 0


DRY_RUN_FLAGS = {"--gpu-memory": "gpu_memory", "--accelerate-config": "accelerate_config"}


def dry_run_options(argv: list[str]):
    """(`--dry-run` with its `--gpu-memory 80GB` / `--accelerate-config FILE`, or None; the other arguments)."""
    from grpo_math.memory import DryRun

    options, rest, args = {}, [], iter(argv)
    for arg in args:
        flag, _, value = arg.partition("=")
        if flag in DRY_RUN_FLAGS:
            value = value or next(args, "")
            if not value or value.startswith("--"):
                raise RecipeError(
                    f"{flag} needs a value: {flag} 80GB"
                    if flag == "--gpu-memory"
                    else f"{flag} needs a file: {flag} launch/accelerate/zero3.yaml"
                )
            options[DRY_RUN_FLAGS[flag]] = value
        elif arg != "--dry-run":
            rest.append(arg)
    if options and "--dry-run" not in argv:
        given = ", ".join(f for f in DRY_RUN_FLAGS if DRY_RUN_FLAGS[f] in options)
        raise RecipeError(f"{given}: an option of --dry-run's memory plan; add --dry-run")
    if "--dry-run" not in argv:
        return None, rest
    dry_run = DryRun(**options)
    dry_run.check()  # a bad value is one line before the recipe is even read
    return dry_run, rest


def eval_main(argv: list[str]) -> int:
    from grpo_math.evaluate.runner import run_eval
    from grpo_math.recipe import load_recipe

    run_eval(load_recipe(argv))
    return 0


def compare_main(argv: list[str]) -> int:
    from grpo_math.evaluate.compare import main

    return main(argv)


def _commands():
    from grpo_math import reward_tools

    rewards = {"list": reward_tools.main_list, "check": reward_tools.main_check, "score": reward_tools.main_score}
    return {"train": train_main, "sft": sft_main, "eval": eval_main, "compare": compare_main, "rewards": rewards}


DEBUG_ENV = "GRPO_MATH_DEBUG"


def guarded(fn, argv: list[str]) -> int:
    """Run a command; every failure is one line on stderr and a non-zero exit code, never a traceback.

    RecipeError (a setting to fix): exit 2. A signal that stopped training after a checkpoint: 128 + signal.
    Ctrl-C twice: 130. Anything else: 1, with its type and first line; `--debug` (or GRPO_MATH_DEBUG=1) re-raises
    it with the full traceback.
    """
    from grpo_math.interrupt import Interrupted

    debug = "--debug" in argv or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    argv = [a for a in argv if a != "--debug"]
    try:
        return fn(argv) or 0
    except RecipeError as e:
        print(f"error: {one_line(e)}", file=sys.stderr)
        return 2
    except Interrupted as e:
        print(f"stopped: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("stopped at once (second signal): the last complete checkpoint is the resume point", file=sys.stderr)
        return 130
    except Exception as e:
        if debug:
            raise
        print(f"error: {type(e).__name__}: {one_line(e)} (the full traceback: add --debug)", file=sys.stderr)
        return 1


def one_line(e: BaseException) -> str:
    lines = [line.strip() for line in str(e).splitlines() if line.strip()]
    return lines[0][:500] if lines else type(e).__name__


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = _commands()
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in commands:
        print(USAGE, file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    command = commands[argv.pop(0)]
    if isinstance(command, dict):
        if not argv or argv[0] not in command:
            print(f"usage: grpo-math rewards {{{','.join(command)}}} ...", file=sys.stderr)
            return 2
        command = command[argv.pop(0)]
    return guarded(command, argv)


if __name__ == "__main__":
    sys.exit(main())
