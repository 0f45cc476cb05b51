"""The recipe's settings that decide memory, resolved the way the run resolves them (TRL's config, the launch)."""

from dataclasses import dataclass, field

from grpo_math.memory.launch import Launch

DEFAULT_PROMPT_TOKENS = 256  # when neither data.max_prompt_length nor the tokenized data says


@dataclass(frozen=True)
class Knobs:
    device: str  # "cuda" (the plan for a GPU run) or "cpu" (this machine's run: fp32 weights, no CUDA context)
    weight_bytes: int  # 2 (bf16/fp16 weights) or 4 (fp32)
    compute_bytes: int  # activations: 2 under bf16/fp16 weights or autocast, else 4
    optimizer: str
    beta: float
    micro_batch: int  # completions per forward/backward (per_device_train_batch_size)
    generation_batch: int  # completions sampled at once per process (x steps_per_generation)
    prompt_tokens: int
    completion_tokens: int
    checkpointing: bool
    attention: str  # sdpa, eager, flash_attention_2, ...
    vllm: str  # off (transformers generate), colocate, server; none: no sampling (SFT)
    vllm_share: float = 0.0
    vllm_sleep: bool = False
    lora_r: int | None = None
    lora_targets: object = "all-linear"
    qlora: bool = False
    launch: Launch = field(default_factory=Launch)
    prompt_source: str = ""  # where prompt_tokens came from


def knobs_for(
    recipe, config, model_type: str, launch: Launch, prompt_tokens: tuple[int, str] | None, device: str = "cuda"
) -> Knobs:
    """`prompt_tokens`: (the longest prompt in tokens, where that number comes from), or None for the fallback."""
    from grpo_math.model import attention_plan
    from grpo_math.run_checks import optimizer_name

    dtype = recipe.model.dtype
    if device == "cuda":
        weight_bytes = 4 if dtype == "float32" else 2  # auto is bf16 on a GPU
        compute_bytes = 2 if weight_bytes == 2 or config.bf16 or config.fp16 else 4
    else:  # weights stay fp32 on a CPU; bf16 there is autocast where the CPU has AMX
        weight_bytes = 4
        compute_bytes = 2 if config.bf16 else 4
    if prompt_tokens is None:
        limit = recipe.data.get("max_prompt_length")
        prompt_tokens = (
            (limit, "data.max_prompt_length")
            if limit
            else (DEFAULT_PROMPT_TOKENS, "assumed: no tokenizer or data here")
        )
    lora = recipe.model.get("lora")
    sft = recipe.task == "sft"  # no sampling, no reference model; an example is up to max_length tokens
    if sft:
        prompt_tokens = (0, "SFT: no prompt apart")
    checkpointing = getattr(config, "activation_checkpointing", None)
    if checkpointing is None:
        checkpointing = config.gradient_checkpointing
    return Knobs(
        device=device,
        weight_bytes=weight_bytes,
        compute_bytes=compute_bytes,
        optimizer=optimizer_name(config),
        beta=0.0 if sft else float(config.beta),
        micro_batch=config.per_device_train_batch_size,
        generation_batch=0 if sft else config.per_device_train_batch_size * config.steps_per_generation,
        prompt_tokens=prompt_tokens[0],
        prompt_source=prompt_tokens[1],
        completion_tokens=config.max_length if sft else config.max_completion_length,  # SFT: a whole example
        checkpointing=bool(checkpointing),
        attention=attention_plan(recipe.model, model_type)[0],
        vllm="none" if sft else (config.vllm_mode if config.use_vllm else "off"),
        vllm_share=float(config.vllm_gpu_memory_utilization) if not sft and config.use_vllm else 0.0,
        vllm_sleep=bool(getattr(config, "vllm_enable_sleep_mode", False)),
        lora_r=lora.r if lora else None,
        lora_targets=(lora.target_modules if isinstance(lora.target_modules, str) else list(lora.target_modules)) if lora else "all-linear",
        qlora=bool(recipe.model.get("load_in_4bit")),
        launch=launch,
    )  # fmt: skip
