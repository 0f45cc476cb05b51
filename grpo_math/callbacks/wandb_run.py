"""The W&B run of a training: started once, on the main process, from the recipe's `wandb` section.

W&B trouble (no network, a bad key, a server that never answers) must never block or stop training: the online
start is bounded by `init_timeout`; when it fails the run falls back to offline (still syncable later with
`wandb sync`), and when even that fails W&B is dropped from `report_to` with a one-line warning. transformers'
WandbCallback then finds the run already started and only logs to it; if W&B was dropped it is never created,
so it cannot call an unbounded `wandb.init` of its own.
"""

import logging
import netrc
import os
import time
from urllib.parse import urlsplit

from omegaconf import OmegaConf

from grpo_math.errors import RecipeError

logger = logging.getLogger(__name__)

MODES = ("online", "offline", "disabled")
INIT_TIMEOUT_S = 30.0  # the longest a W&B start may hold up training; $WANDB_INIT_TIMEOUT (wandb's own) overrides
FINISH_TIMEOUT_S = 120.0  # the longest the last upload may hold up the end; the rest stays on disk for `wandb sync`
_WANDB_ENV_MODES = {"dryrun": "offline", "run": "online", "shared": "online"}


def init_timeout() -> float:
    return float(os.environ.get("WANDB_INIT_TIMEOUT") or INIT_TIMEOUT_S)


def api_key_configured() -> bool:
    """An API key in the environment or in ~/.netrc for the W&B host, looked up without any network call."""
    if os.environ.get("WANDB_API_KEY") or os.environ.get("WANDB_IDENTITY_TOKEN_FILE"):
        return True
    host = urlsplit(os.environ.get("WANDB_BASE_URL") or "https://api.wandb.ai").netloc
    try:
        return netrc.netrc(os.environ.get("NETRC")).authenticators(host) is not None
    except (OSError, netrc.NetrcParseError):
        return False


def resolve_mode(section) -> str:
    """wandb.mode, else $WANDB_MODE, else online when an API key is configured and offline otherwise."""
    mode = section.mode
    if mode is None and os.environ.get("WANDB_MODE"):
        mode = _WANDB_ENV_MODES.get(os.environ["WANDB_MODE"], os.environ["WANDB_MODE"])
    if mode is None:
        return "online" if api_key_configured() else "offline"
    if mode not in MODES:
        raise RecipeError(
            f"wandb.mode={mode!r} is not one of {', '.join(MODES)} (or unset: offline unless a key is configured)"
        )
    return mode


def check_section(section) -> None:
    if section.table_rows < 0 or section.alarm_window < 0:
        raise RecipeError("wandb.table_rows and wandb.alarm_window must be >= 0 (0 turns the table / the alarms off)")


def reports_to_wandb(config) -> bool:
    return "wandb" in (config.report_to or [])


def run_name(recipe) -> str:
    return recipe.wandb.name or f"{recipe.name}-{time.strftime('%Y%m%d-%H%M%S')}"


RUN_ID_FILE = "wandb_run_id"  # in output_dir: the W&B run a resumed training appends to


def start_wandb(recipe, config, is_main_process: bool | None = None, resume: bool = False):
    """Start the run if `trainer.report_to` has wandb and mode is not disabled; returns it, or None.

    `resume`: carry on the W&B run of the training being resumed (its id is kept in <output_dir>/wandb_run_id),
    so one training is one W&B run however often it was interrupted.

    Side effect on `config.report_to`: wandb is removed when W&B is off or could not start, so that nothing
    else (WandbCallback, TRL's profiling) tries to use it.
    """
    check_section(recipe.wandb)
    if not reports_to_wandb(config):
        return None
    mode = resolve_mode(recipe.wandb)
    if mode == "disabled":
        _drop_wandb(config)
        return None
    if is_main_process is None:
        from accelerate import PartialState

        is_main_process = PartialState().is_main_process
    if not is_main_process:  # only the main process logs; the others keep report_to so every rank agrees on it
        return None
    try:
        import wandb
    except ImportError:
        logger.warning("W&B: the wandb package is not installed (pip install wandb); training goes on without it")
        _drop_wandb(config)
        return None
    run_id = _previous_run_id(config.output_dir) if resume else None
    run = _try_init(wandb, recipe, config, mode, run_id)
    if run is None and mode == "online":
        run = _try_init(wandb, recipe, config, "offline", run_id)
        if run is not None:
            logger.warning(f"W&B: logging offline instead; upload later with `wandb sync {os.path.dirname(run.dir)}`")
    if run is None:
        _drop_wandb(config)
    else:
        with open(os.path.join(config.output_dir, RUN_ID_FILE), "w") as f:
            f.write(run.id + "\n")
    return run


def _previous_run_id(output_dir: str) -> str | None:
    try:
        with open(os.path.join(output_dir, RUN_ID_FILE)) as f:
            return f.read().strip() or None
    except OSError:
        return None


def _try_init(wandb, recipe, config, mode: str, run_id: str | None = None):
    section = recipe.wandb
    timeout = init_timeout()
    settings = wandb.Settings(
        init_timeout=timeout,
        login_timeout=timeout,
        x_service_wait=timeout,
        finish_timeout=FINISH_TIMEOUT_S,
        # Not quiet, wandb greets the user by name: two more server calls of 5 s each when the server is down.
        quiet=True,
    )
    out_dir = os.environ.get("WANDB_DIR") or config.output_dir
    os.makedirs(out_dir, exist_ok=True)
    try:
        return wandb.init(
            project=section.project,
            entity=section.entity,
            name=None if run_id else run_name(recipe),  # a resumed run keeps its name
            tags=list(section.tags) or None,
            # The resolved recipe under one key, so transformers' own config upload (TrainingArguments + the
            # model config, flat) cannot overwrite any of it.
            config={"recipe": OmegaConf.to_container(recipe, resolve=True)},
            dir=out_dir,
            mode=mode,
            id=run_id,
            resume="allow" if run_id else None,
            reinit="finish_previous",  # a warm-start SFT run in the same process may still be open
            settings=settings,
        )
    except Exception as e:  # noqa: BLE001 -- any failure (network, auth, timeout, service) must not stop training
        first_line = (str(e).strip().splitlines() or [type(e).__name__])[0]
        logger.warning(f"W&B: could not start a {mode} run ({type(e).__name__}: {first_line}); training goes on")
        return None


def _drop_wandb(config) -> None:
    config.report_to = [r for r in config.report_to if r != "wandb"]


def finish_wandb(exit_code: int | None = None) -> None:
    """Close the run (bounded by FINISH_TIMEOUT_S); a no-op when none is open. A non-zero `exit_code` marks it
    as stopped early (a signal), not finished."""
    try:
        import wandb
    except ImportError:
        return
    if wandb.run is not None:
        try:
            wandb.run.finish(exit_code=exit_code)
        except Exception as e:  # noqa: BLE001 -- the model is saved already: a failed upload only warns
            logger.warning(f"W&B: finishing the run failed ({type(e).__name__}: {e}); its files stay on disk")


_log_failed = False


def log_to_wandb(data: dict, step: int) -> None:
    """wandb.log at a training step, if a run is open; a failure warns once and never reaches training."""
    global _log_failed
    try:
        import wandb

        if wandb.run is not None:
            wandb.log({**data, "train/global_step": step})  # the x-axis WandbCallback defines for every key
    except Exception as e:  # noqa: BLE001 -- W&B trouble must not stop training
        if not _log_failed:
            logger.warning(f"W&B: logging failed ({type(e).__name__}: {e}); training goes on")
        _log_failed = True
