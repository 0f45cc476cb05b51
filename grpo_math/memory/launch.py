"""How many processes share the training and how its state is sharded, read from `accelerate launch`'s environment
or, for a dry run on a laptop, from the accelerate config file the GPU run will use (`--accelerate-config FILE`)."""

import os
from dataclasses import dataclass
from pathlib import Path

from grpo_math.errors import RecipeError

SHARDINGS = ("none", "zero1", "zero2", "zero3", "fsdp")


@dataclass(frozen=True)
class Launch:
    processes: int = 1  # training processes, one GPU each
    sharding: str = "none"  # none (one process, or DDP), zero1-3 (DeepSpeed), fsdp (full shard)
    offload_optimizer: bool = False  # optimizer states (and ZeRO's fp32 master weights) in CPU RAM
    offload_params: bool = False
    source: str = "no accelerate launch"

    @property
    def describe(self) -> str:
        shard = {"none": "DDP" if self.processes > 1 else "no sharding", "fsdp": "FSDP full shard"}
        text = f"{self.processes} process{'es' if self.processes > 1 else ''}, {shard.get(self.sharding, self.sharding.upper().replace('ZERO', 'ZeRO-'))}"
        offloaded = [w for w, on in (("optimizer", self.offload_optimizer), ("parameters", self.offload_params)) if on]
        return text + (f", {' and '.join(offloaded)} offloaded to CPU" if offloaded else "") + f" ({self.source})"


def _true(value) -> bool:
    return str(value).lower() in ("1", "true", "yes")


def launch_from_env(env=os.environ) -> Launch:
    """What `accelerate launch` told this process (it sets these for every process it starts)."""
    processes = int(env.get("WORLD_SIZE", "1"))
    if _true(env.get("ACCELERATE_USE_DEEPSPEED")):
        stage = env.get("ACCELERATE_DEEPSPEED_ZERO_STAGE", "2")
        return Launch(
            processes, f"zero{stage}" if stage in "123" else "none",
            offload_optimizer=env.get("ACCELERATE_DEEPSPEED_OFFLOAD_OPTIMIZER_DEVICE", "none") not in ("none", ""),
            offload_params=env.get("ACCELERATE_DEEPSPEED_OFFLOAD_PARAM_DEVICE", "none") not in ("none", ""),
            source="accelerate launch, DeepSpeed",
        )  # fmt: skip
    if _true(env.get("ACCELERATE_USE_FSDP")):
        return Launch(
            processes, "fsdp", offload_params=_true(env.get("FSDP_OFFLOAD_PARAMS")), source="accelerate launch, FSDP"
        )
    return Launch(processes, source="accelerate launch" if processes > 1 else Launch.source)


def launch_from_file(path: str) -> Launch:
    """The launch an accelerate config file describes (launch/accelerate/*.yaml, or `accelerate config`'s output)."""
    import yaml

    file = Path(path).expanduser()
    try:
        cfg = yaml.safe_load(file.read_text()) or {}
    except (OSError, yaml.YAMLError) as e:
        raise RecipeError(f"--accelerate-config {path}: not a readable accelerate config ({type(e).__name__}); "
                          "pass a file like launch/accelerate/zero3.yaml") from None  # fmt: skip
    if not isinstance(cfg, dict):
        raise RecipeError(
            f"--accelerate-config {path}: not an accelerate config (a YAML mapping); see launch/accelerate/"
        )
    processes = int(cfg.get("num_processes") or 1)
    kind = str(cfg.get("distributed_type", "NO")).upper()
    source = f"{file.name}"
    if kind == "DEEPSPEED":
        ds = cfg.get("deepspeed_config") or {}
        if ds.get("deepspeed_config_file"):
            raise RecipeError(f"--accelerate-config {path}: its DeepSpeed settings are in {ds['deepspeed_config_file']}"
                              "; name the ZeRO stage in the accelerate config (deepspeed_config.zero_stage) for a plan")  # fmt: skip
        stage = int(ds.get("zero_stage", 2))
        return Launch(
            processes, f"zero{stage}" if stage in (1, 2, 3) else "none",
            offload_optimizer=str(ds.get("offload_optimizer_device", "none")) not in ("none", ""),
            offload_params=str(ds.get("offload_param_device", "none")) not in ("none", ""),
            source=source,
        )  # fmt: skip
    if kind == "FSDP":
        fsdp = cfg.get("fsdp_config") or {}
        return Launch(processes, "fsdp", offload_params=_true(fsdp.get("fsdp_offload_params")), source=source)
    if kind in ("NO", "MULTI_GPU", "MULTI_CPU"):
        return Launch(processes, source=source)
    raise RecipeError(f"--accelerate-config {path}: distributed_type {kind} has no memory plan here "
                      "(DEEPSPEED, FSDP, MULTI_GPU or NO)")  # fmt: skip
