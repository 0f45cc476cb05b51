"""Checkpoints of a run: which are complete, which one a resume starts from, and never a silent overwrite.

transformers writes `checkpoint-<step>/` piece by piece (weights, optimizer, RNG, trainer_state.json); a process
killed halfway leaves a folder that looks like a checkpoint. `marker_callback` writes COMPLETE_MARKER after all of
it, so only a folder holding it is ever resumed from:

    trainer.resume_from_checkpoint: latest      # or true: the newest complete checkpoint in output_dir
    trainer.resume_from_checkpoint: outputs/run/checkpoint-200
"""

import json
import os
import re
from pathlib import Path

from grpo_math.errors import RecipeError

COMPLETE_MARKER = "checkpoint_complete.json"
_CHECKPOINT_DIR = re.compile(r"^checkpoint-(\d+)$")
LATEST = ("latest", "true", "True", True)


def mark_complete(checkpoint_dir: str | Path, global_step: int) -> None:
    """Written after everything else in the checkpoint: its presence means the folder can be resumed from."""
    path = Path(checkpoint_dir)
    tmp = path / f".{COMPLETE_MARKER}.tmp"
    tmp.write_text(json.dumps({"global_step": global_step}) + "\n")
    os.replace(tmp, path / COMPLETE_MARKER)  # atomic: a reader sees no marker or a whole one


def is_complete(checkpoint_dir: str | Path) -> bool:
    return (Path(checkpoint_dir) / COMPLETE_MARKER).is_file()


def checkpoints_in(output_dir: str | Path) -> list[Path]:
    """Every `checkpoint-<step>` folder in output_dir, complete or not, oldest step first."""
    out = Path(output_dir)
    if not out.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in out.iterdir() if p.is_dir() and (m := _CHECKPOINT_DIR.match(p.name))]
    return [p for _, p in sorted(found)]


def latest_complete(output_dir: str | Path) -> Path | None:
    complete = [p for p in checkpoints_in(output_dir) if is_complete(p)]
    return complete[-1] if complete else None


def resume_point(config) -> str | None:
    """The checkpoint `trainer.resume_from_checkpoint` names (None: a fresh run), checked before anything loads.

    A fresh run into an output_dir that already holds checkpoints is refused: it would overwrite them.
    """
    asked = config.resume_from_checkpoint
    out = config.output_dir
    if asked in (None, False, "", "false", "False", "none", "None"):
        found = checkpoints_in(out)
        if found:
            raise RecipeError(_already_there(out, found))
        return None
    if asked in LATEST:
        latest = latest_complete(out)
        if latest is None:
            where = f"{out} holds no complete checkpoint" if Path(out).is_dir() else f"{out} does not exist"
            raise RecipeError(
                f"trainer.resume_from_checkpoint={asked}: {where} (checkpoints are written every "
                f"trainer.save_steps steps); remove the setting to start fresh"
            )
        return str(latest)
    path = Path(str(asked)).expanduser()
    if not path.is_dir():
        raise RecipeError(
            f"trainer.resume_from_checkpoint={asked}: no such checkpoint dir (give a checkpoint-<step> folder, "
            f"or latest for the newest in trainer.output_dir)"
        )
    if not is_complete(path):
        latest = latest_complete(path.parent)
        hint = f"; the newest complete one is {latest}" if latest else ""
        raise RecipeError(
            f"trainer.resume_from_checkpoint={asked}: that checkpoint is incomplete (no {COMPLETE_MARKER}: the "
            f"run stopped while writing it){hint}"
        )
    return str(path)


def _already_there(out, found: list[Path]) -> str:
    latest = latest_complete(out)
    if latest is None:
        return (
            f"{out} holds checkpoints ({found[-1].name}, incomplete) from an earlier run: delete them, or set "
            f"trainer.output_dir to another dir"
        )
    return (
        f"{out} holds checkpoints of an earlier run (newest complete: {latest.name}): resume it with "
        f"trainer.resume_from_checkpoint=latest, or start fresh by deleting {out} or setting trainer.output_dir"
    )


def marker_callback():
    """A TrainerCallback that marks each checkpoint complete once the trainer has written all of it."""
    from transformers import TrainerCallback
    from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

    class MarkCheckpointComplete(TrainerCallback):
        # on_save runs after Trainer._save_checkpoint has returned: weights, optimizer, RNG, trainer state and
        # (GRPOMathTrainer) the generation buffer of every rank are on disk.
        def on_save(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                mark_complete(Path(args.output_dir) / f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}", state.global_step)

    return MarkCheckpointComplete()


FINISHED_MARKER = "sft_complete.json"  # an SFT run's record, written last: its presence means it finished


def is_finished(output_dir: str | Path) -> bool:
    out = Path(output_dir)
    return (out / FINISHED_MARKER).is_file() and (out / "config.json").is_file()


def mark_finished(output_dir: str | Path, info: dict) -> None:
    tmp = Path(output_dir) / f".{FINISHED_MARKER}.tmp"
    tmp.write_text(json.dumps(info, indent=2) + "\n")
    os.replace(tmp, Path(output_dir) / FINISHED_MARKER)  # atomic: a reader sees no marker or a whole one
