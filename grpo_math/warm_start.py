"""A GRPO recipe's `warm_start`: the model GRPO starts from instead of model.name_or_path.

    warm_start: {recipe: quickstart_sft, overrides: [trainer.max_steps=40]}   run this SFT recipe first
    warm_start: {checkpoint: outputs/my_sft}                                  or start from a saved model

An SFT recipe is run only when its output dir holds no finished run (FINISHED_MARKER, written last), so a second
`launch/grpo.py` reuses it. It runs in a child process, one process, with the launcher's distributed environment
removed: under `accelerate launch` every rank gets here, the first to take a file lock runs the SFT, the others wait
on the lock and then find it finished (the lock needs a filesystem with working flock, as a local disk has). A big
SFT that should use every GPU is run first with `accelerate launch launch/sft.py`, and is then simply reused.

model.name_or_path stays the base the warm start came from: the baseline evaluation (eval/step_0.json) measures it.
"""

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from grpo_math.checkpoints import FINISHED_MARKER, is_finished, mark_finished  # noqa: F401 (re-exported)
from grpo_math.errors import RecipeError

# Set by torchrun / accelerate launch; a child that inherited them would wait forever for ranks that never come.
_DISTRIBUTED_ENV = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK", "ROLE_RANK",
                    "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RUN_ID")  # fmt: skip


def check_warm_start(recipe) -> None:
    """One-line errors, before anything loads: exactly one of recipe/checkpoint, an SFT recipe on the same base."""
    ws = recipe.warm_start
    if bool(ws.recipe) == bool(ws.checkpoint):
        raise RecipeError(
            "warm_start needs exactly one of warm_start.recipe=<sft recipe> or warm_start.checkpoint=<dir> "
            "(or no warm start at all: ~warm_start)"
        )
    if ws.checkpoint:
        if ws.overrides:
            raise RecipeError(
                "warm_start.overrides apply to warm_start.recipe; with a checkpoint there is nothing to run"
            )
        from grpo_math.run_checks import model_unreachable

        problem = model_unreachable(ws.checkpoint, "warm_start.checkpoint")
        if problem and not problem.startswith("offline"):
            raise RecipeError(problem)
        return
    sft = sft_recipe(recipe)
    if sft.model.name_or_path != recipe.model.name_or_path:
        raise RecipeError(
            f"warm_start.recipe={ws.recipe} fine-tunes {sft.model.name_or_path} but model.name_or_path is "
            f"{recipe.model.name_or_path}: make them the same (e.g. warm_start.overrides=[model.name_or_path=...])"
        )


def sft_recipe(recipe):
    """The warm start's SFT recipe, loaded with its overrides and validated like any recipe."""
    from grpo_math.recipe import load_recipe

    ws = recipe.warm_start
    sft = load_recipe([f"recipe={ws.recipe}", *ws.overrides])
    if sft.task != "sft":
        raise RecipeError(
            f"warm_start.recipe={ws.recipe} has task={sft.task}: a warm start runs an SFT recipe (task: sft)"
        )
    return sft


def sft_output_dir(recipe) -> Path:
    from grpo_math.trl_config import output_dir_of

    return Path(output_dir_of(sft_recipe(recipe)))


def describe(recipe) -> str:
    """One preflight line: what the warm start will do."""
    ws = recipe.warm_start
    if ws.checkpoint:
        return f"from checkpoint {ws.checkpoint}"
    out = sft_output_dir(recipe)
    state = "finished there, reused" if is_finished(out) else "runs first"
    return f"SFT recipe {ws.recipe} -> {out} ({state})"


def sft_command(recipe) -> list[str]:
    ws = recipe.warm_start
    return [sys.executable, "-m", "grpo_math.cli", "sft", f"recipe={ws.recipe}", *ws.overrides]


def resolve(recipe) -> str | None:
    """The model path GRPO starts from: None without a warm start; runs the SFT recipe when it has not finished."""
    from grpo_math.model import resolve_model_path

    ws = recipe.get("warm_start")
    if not ws:
        return None
    check_warm_start(recipe)
    if ws.checkpoint:
        return resolve_model_path(ws.checkpoint)
    out = sft_output_dir(recipe)
    if not is_finished(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out.parent / f".{out.name}.warm_start.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # other ranks / runs wait here, then find the run finished
            if not is_finished(out):
                _run_sft(recipe, out)
    else:
        _refuse_a_different_run(out, recipe)
        print(f"[grpo-math] warm start: reusing the finished SFT run in {out} (delete it to run it again)")
    return str(out.resolve())  # absolute: it names the base in saved configs and adapters, read from anywhere


# What may differ between a finished SFT run and the recipe asking for it without changing the model it made.
# Where the run lives is not what it made: the same dir named relative there and absolute here is the same run.
_NOT_THE_MODEL = (
    "wandb.", "eval.", "trainer.report_to", "trainer.logging_", "trainer.output_dir", "trainer.run_name",
    "trainer.save_", "trainer.push_to_hub", "trainer.hub_",
)  # fmt: skip


def _refuse_a_different_run(out: Path, recipe) -> None:
    """A finished run of other settings (an edited recipe, other overrides) is never reused silently."""
    from omegaconf import OmegaConf

    saved = out / "recipe.yaml"
    if not saved.is_file():
        return
    there = _flat(_with_defaults(OmegaConf.to_container(OmegaConf.load(saved), resolve=True)))
    here = _flat(OmegaConf.to_container(sft_recipe(recipe), resolve=True))
    differ = sorted(
        k for k in there.keys() | here.keys() if there.get(k) != here.get(k) and not k.startswith(_NOT_THE_MODEL)
    )
    if differ:
        k = differ[0]
        raise RecipeError(
            f"{out} holds a finished SFT run of other settings ({k}: {there.get(k)!r} there, {here.get(k)!r} now"
            f"{f', and {len(differ) - 1} more' if len(differ) > 1 else ''}): delete {out} to run it again, or give "
            "the warm start another dir with warm_start.overrides=[trainer.output_dir=...]"
        )


def _with_defaults(saved: dict) -> dict:
    """A recipe saved by an older version, completed with today's defaults: a setting added since (at its
    default) does not make a finished run look like one of other settings."""
    from grpo_math.recipe import complete

    try:
        return complete(saved)
    except RecipeError:  # a key that no longer exists: compare as saved (it will differ, and say which)
        return saved


def _flat(node, prefix: str = "") -> dict:
    """{'trainer': {'max_steps': 60}} -> {'trainer.max_steps': 60}"""
    if not isinstance(node, dict) or not node:
        return {prefix: node}
    out = {}
    for key, value in node.items():
        out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _run_sft(recipe, out: Path) -> None:
    from grpo_math.checkpoints import latest_complete

    command = sft_command(recipe)
    if latest_complete(out) is not None:  # an SFT warm start that was interrupted carries on where it stopped
        command.append("trainer.resume_from_checkpoint=latest")
    shown = " ".join(["python launch/sft.py", *command[4:]])
    print(f"[grpo-math] warm start: no finished SFT run in {out}; running `{shown}`", flush=True)
    env = {k: v for k, v in os.environ.items() if k not in _DISTRIBUTED_ENV and not k.startswith("ACCELERATE_")}
    # launch/grpo.py runs from a checkout without installing: the child must import the same grpo_math.
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH")])
    )
    done = subprocess.run(command, env=env, check=False)
    if done.returncode != 0 or not is_finished(out):
        raise RecipeError(f"the warm-start SFT run `{shown}` failed (exit code {done.returncode}; its log is above)")
