"""A GPU memory plan for a run, from the model's config alone (no weights loaded): what each GPU will hold, whether
it fits, and the largest lever when it does not. `--dry-run` prints it; benchmarks/memory_plan.py checks it against
a measured peak.

    shape = model_shape(config)                  # shape.py: exact parameter counts from a meta-device model
    launch = launch_from_env() / launch_from_file(path)   # launch.py: processes and ZeRO/FSDP sharding
    knobs = knobs_for(recipe, trl_config, launch, prompt_tokens)   # knobs.py: the recipe's memory-relevant settings
    items = estimate(shape, knobs, gpu_bytes)    # estimate.py: bytes per GPU, item by item
    print(plan_report(...))                      # report.py: the table, the verdict, the largest lever
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class DryRun:
    """`--dry-run` and its options: the GPU the plan is judged against, the launch it is planned for."""

    gpu_memory: str | None = None  # --gpu-memory 80GB; else the GPU this machine has, else no verdict
    accelerate_config: str | None = None  # --accelerate-config FILE; else accelerate launch's environment

    def check(self) -> None:
        from grpo_math.memory.launch import launch_from_file
        from grpo_math.memory.report import parse_gpu_memory

        if self.gpu_memory is not None:
            parse_gpu_memory(self.gpu_memory)
        if self.accelerate_config is not None:
            launch_from_file(self.accelerate_config)


def memory_report(recipe, config, options: DryRun, prompt_tokens: tuple[int, str] | None) -> str:
    from grpo_math.memory.knobs import knobs_for
    from grpo_math.memory.launch import launch_from_env, launch_from_file
    from grpo_math.memory.report import detected_gpu_memory, parse_gpu_memory, plan_report
    from grpo_math.memory.shape import model_shape
    from grpo_math.model import model_config

    name = recipe.model.name_or_path
    cfg = model_config(name, recipe.model.get("revision"), cached_only=True)
    if cfg is None:
        return (f"memory plan: needs {name}'s config.json, which is not on this machine"
                f" (hf download {name} config.json, then --dry-run again)")  # fmt: skip
    try:
        shape = model_shape(cfg)
    except Exception as e:  # noqa: BLE001 - an architecture this transformers cannot build: said, the dry run goes on
        return (
            f"memory plan: transformers cannot build {cfg.model_type} from its config here ({type(e).__name__}: {e})"[
                :300
            ]
        )
    launch = launch_from_file(options.accelerate_config) if options.accelerate_config else launch_from_env()
    if options.gpu_memory:
        gpu, source = parse_gpu_memory(options.gpu_memory), f"--gpu-memory {options.gpu_memory}"
    else:
        gpu, source = detected_gpu_memory(), "this machine's GPU 0"
    knobs = knobs_for(recipe, config, shape.model_type, launch, prompt_tokens)
    return plan_report(shape, knobs, name, gpu, source)
