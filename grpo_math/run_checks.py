"""Preflight checks of where a run reads and writes: model, output dir, resume point, data sizes, warm start.

Each failure is one RecipeError naming the setting and the fix, raised before any weights load.
"""

import os
import tempfile
from pathlib import Path

from grpo_math.errors import RecipeError, did_you_mean


def check_run(recipe, config, dry_run: bool = False) -> None:
    """`dry_run`: a hub model missing from the cache is reported by the summary, not refused: the dry run of a
    GPU recipe must work on an offline laptop."""
    check_model(recipe.model, need_weights=not dry_run)
    check_wandb(recipe.wandb)  # data: checked by grpo_math.plan.make_plan, before the rewards are bound
    check_versions(use_vllm=bool(getattr(config, "use_vllm", False)))
    check_output_dir(config.output_dir)
    if not dry_run:
        check_optimizer(optimizer_name(config))
    from grpo_math.checkpoints import resume_point

    if recipe.get("rejection_sampling"):
        from grpo_math.rejection_sampling import check_resume

        check_resume(recipe, config)  # the same, round by round
    else:
        resume_point(config)  # a missing or incomplete checkpoint, or checkpoints a fresh run would overwrite


def check_model(model, need_weights: bool = True) -> None:
    from omegaconf import OmegaConf

    name = None if OmegaConf.is_missing(model, "name_or_path") else model.name_or_path
    if name in (None, ""):
        raise RecipeError(
            "the recipe names no model: set model.name_or_path (a hub id, a local checkpoint dir, or smollm2-135m)"
        )
    from grpo_math.model import DTYPES

    if model.dtype not in DTYPES:
        raise RecipeError(
            f"model.dtype={model.dtype!r} is not one of {', '.join(DTYPES)}{did_you_mean(model.dtype, DTYPES)}"
        )
    lora = model.get("lora")
    if lora:
        if lora.r is None or lora.r < 1:
            raise RecipeError(f"model.lora.r={lora.r!r} must be >= 1 (the adapter's rank; e.g. 16)")
        if lora.alpha is None or lora.alpha <= 0:
            raise RecipeError(f"model.lora.alpha={lora.alpha!r} must be > 0 (usually 2 x model.lora.r)")
        if lora.dropout is None or not 0 <= lora.dropout < 1:
            raise RecipeError(f"model.lora.dropout={lora.dropout!r} must be in [0, 1)")
    if model.get("load_in_4bit"):
        check_qlora(model, need_weights)
    problem = model_unreachable(name, "model.name_or_path")
    if problem and (need_weights or not problem.startswith("offline")):
        raise RecipeError(problem.removeprefix("offline: "))


def model_unreachable(name: str, key: str) -> str | None:
    """Why `name` cannot be loaded here ('offline: ...' when only the lack of network stops it), else None."""
    from grpo_math.embedded import EMBEDDED_MODELS

    if name in EMBEDDED_MODELS:
        return None
    if Path(name).expanduser().exists():
        return local_checkpoint_problem(Path(name).expanduser(), key)
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        return f"{key}={name}: no such local dir (a checkpoint dir, a hub id org/name, or smollm2-135m)"
    from huggingface_hub import constants, try_to_load_from_cache

    if constants.HF_HUB_OFFLINE and not isinstance(try_to_load_from_cache(name, "config.json"), str):
        embedded = ", ".join(EMBEDDED_MODELS)
        return (
            "offline: "
            f"{key}={name} is not in the Hugging Face cache and HF_HUB_OFFLINE=1 forbids downloading it: go online "
            f"once (unset HF_HUB_OFFLINE), or point {key} at a local checkpoint dir or an embedded model ({embedded})"
        )
    return None


# What transformers' from_pretrained reads from a local dir (a sharded checkpoint has an index beside its shards).
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json", "spiece.model")


def local_checkpoint_problem(path: Path, key: str) -> str | None:
    """Why a local dir is not a checkpoint transformers can load (config, weights, tokenizer), else None."""
    if not path.is_dir():
        return f"{key}={path} is a file: give the checkpoint's directory"
    inside = sorted(p.name for p in path.glob("checkpoint-*") if p.is_dir())
    hint = f" (it holds {', '.join(inside[-2:])}: point {key} at one of them)" if inside else ""
    if not (path / "config.json").is_file():
        return f"{key}={path}: no config.json there, so no saved model{hint}; save one with save_pretrained"
    if not any((path / f).is_file() for f in WEIGHT_FILES):
        return f"{key}={path}: config.json but no weights ({', '.join(WEIGHT_FILES[::2])} or a shard index){hint}"
    if not any((path / f).is_file() for f in TOKENIZER_FILES):
        return (
            f"{key}={path}: no tokenizer files ({', '.join(TOKENIZER_FILES)}); save the tokenizer beside the model "
            "(tokenizer.save_pretrained(dir))"
        )
    return None


def check_data(data) -> None:
    from grpo_math.data.files import check_file

    if not data.sources:
        raise RecipeError("data.sources is empty: name at least one dataset, e.g. data.sources.basic_arithmetic={}")
    for name, source in data.sources.items():
        if source.size is not None and source.size < 1:
            raise RecipeError(
                f"data.sources.{name}.size={source.size} must be >= 1 (or removed: all rows, or the default count)"
            )
        if source.path:
            try:
                check_file(source.path)
            except RecipeError as e:
                raise RecipeError(str(e).replace("data.sources.<name>", f"data.sources.{name}")) from None


def check_output_dir(output_dir: str) -> None:
    """A directory this process can write, or one it can create; probed with a temporary file, removed after."""
    path = Path(output_dir).expanduser()
    if path.exists() and not path.is_dir():
        raise RecipeError(f"trainer.output_dir={output_dir} is a file: give a directory")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise RecipeError(f"trainer.output_dir={output_dir} cannot be created: {probe} is a file")
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as e:
        raise RecipeError(
            f"trainer.output_dir={output_dir} is not writable ({probe}: {e.strerror or type(e).__name__}): "
            "choose a dir you can write"
        ) from None
    if not os.access(probe, os.W_OK | os.X_OK):
        raise RecipeError(f"trainer.output_dir={output_dir} is not writable ({probe}): choose a dir you can write")


def check_wandb(section) -> None:
    from grpo_math.callbacks.wandb_run import check_section, resolve_mode

    check_section(section)
    resolve_mode(section)  # wandb.mode (or $WANDB_MODE) not one of online / offline / disabled


def check_versions(use_vllm: bool) -> None:
    """trl and transformers (and vLLM when the run uses it) within the ranges this package and TRL declare."""
    from importlib.metadata import PackageNotFoundError, requires, version

    from packaging.requirements import Requirement

    def wanted(dist: str, extra: str | None = None) -> dict[str, Requirement]:
        try:
            reqs = [Requirement(r) for r in requires(dist) or []]
        except PackageNotFoundError:  # run from a checkout that was never installed: nothing declared to check
            return {}
        env = {"extra": extra or ""}
        return {r.name: r for r in reqs if r.marker is None or r.marker.evaluate(env)}

    needed = {k: v for k, v in wanted("grpo-math").items() if k in ("trl", "transformers")}
    if use_vllm:
        needed.update({k: v for k, v in wanted("trl", "vllm").items() if k == "vllm"})
    for name, req in needed.items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # a missing package is reported where it is needed, with its extra
        if not req.specifier.contains(installed, prereleases=True):
            raise RecipeError(
                f"{name} {installed} is installed, and this run needs {req}: pip install '{req}'"
                + (" (the range TRL declares for it)" if name == "vllm" else "")
            )


def optimizer_name(config) -> str:
    """trainer.optim as written in the recipe ('adamw_torch', 'adamw_8bit'): TrainingArguments holds an enum."""
    optim = getattr(config, "optim", "")
    return str(getattr(optim, "value", optim))


def check_optimizer(optim: str) -> None:
    """The 8-bit optimizers (trainer.optim=adamw_8bit, ...) keep their state in bitsandbytes' CUDA kernels."""
    import importlib.util

    from grpo_math.model import cuda_available

    if "8bit" not in optim:
        return
    if not cuda_available():
        raise RecipeError(f"trainer.optim={optim} is an 8-bit bitsandbytes optimizer, which needs a CUDA GPU: "
                          "add trainer.optim=adamw_torch on this machine")  # fmt: skip
    if importlib.util.find_spec("bitsandbytes") is None:
        raise RecipeError(f"trainer.optim={optim} needs bitsandbytes: pip install bitsandbytes")


def check_qlora(model, need_weights: bool) -> None:
    """QLoRA = LoRA adapters trained over 4-bit base weights, which bitsandbytes keeps on a CUDA GPU only."""
    import importlib.util

    from grpo_math.model import cuda_available

    if not model.get("lora"):
        raise RecipeError("model.load_in_4bit trains LoRA adapters over 4-bit weights: set model.lora.r (e.g. 16)")
    if not need_weights:
        return  # a dry run shows the plan on any machine
    if not cuda_available():
        raise RecipeError("model.load_in_4bit needs a CUDA GPU (bitsandbytes 4-bit weights): remove it on this machine")
    if importlib.util.find_spec("bitsandbytes") is None:
        raise RecipeError("model.load_in_4bit needs bitsandbytes: pip install bitsandbytes")
