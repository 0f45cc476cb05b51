"""The memory plan as `--dry-run` prints it: each item per GPU, the peak against the GPU's memory, and the levers
that lower it most (each re-estimated, not guessed)."""

import re
from dataclasses import replace

from grpo_math.errors import RecipeError
from grpo_math.memory.estimate import Item, activations, estimate, peak
from grpo_math.memory.knobs import Knobs
from grpo_math.memory.shape import ModelShape

GiB = 2**30
TIGHT = 0.9  # above this share of the GPU the allocator's fragmentation can tip a run over


def parse_gpu_memory(text: str) -> float:
    """'80GB', '80GiB', '80G', '24576MiB', '80' (GiB) -> bytes. A GPU's "80 GB" is 80 GiB of HBM, so GB is GiB here."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(gib|gb|g|mib|mb|m)?\s*", text.lower())
    if not m or float(m.group(1)) <= 0:
        raise RecipeError(f"--gpu-memory {text!r}: give the GPU's memory, like --gpu-memory 80GB or 24GiB")
    return float(m.group(1)) * (2**20 if m.group(2) in ("mib", "mb", "m") else GiB)


def detected_gpu_memory() -> float | None:
    from grpo_math.model import cuda_available

    if not cuda_available():
        return None
    import torch

    return float(torch.cuda.get_device_properties(0).total_memory)


def levers(knobs: Knobs) -> list[tuple[str, Knobs]]:
    """Changes a user can make in the recipe or launch, each with the knobs it leads to."""
    out = []
    if not knobs.checkpointing:
        out.append(
            (
                "trainer.activation_checkpointing=true (recomputes each layer in the backward)",
                replace(knobs, checkpointing=True),
            )
        )
    if knobs.micro_batch > 1:
        half = knobs.micro_batch // 2
        out.append((f"trainer.per_device_train_batch_size={half} with twice the gradient_accumulation_steps (the same batch)",
                    replace(knobs, micro_batch=half)))  # fmt: skip
    if knobs.vllm == "colocate" and not knobs.vllm_sleep:
        out.append(
            (
                "trainer.vllm_enable_sleep_mode=true (vLLM releases its share while training)",
                replace(knobs, vllm_sleep=True),
            )
        )
    if knobs.launch.processes > 1 and knobs.launch.sharding in ("none", "zero1", "zero2"):
        out.append((f"launch/accelerate/zero3.yaml (shards weights, gradients and optimizer states over {knobs.launch.processes})",
                    replace(knobs, launch=replace(knobs.launch, sharding="zero3"))))  # fmt: skip
    if "8bit" not in knobs.optimizer and not knobs.lora_r:
        out.append(
            ("trainer.optim=adamw_8bit (bitsandbytes: 8-bit optimizer states)", replace(knobs, optimizer="adamw_8bit"))
        )
    if not knobs.lora_r:
        out.append(("model.lora={r: 16} (trains adapters, not every weight)", replace(knobs, lora_r=16)))
    if knobs.beta > 0 and not knobs.lora_r:
        out.append(
            ("trainer.beta=0 (no reference model: TRL 1.x's default, drops the KL term)", replace(knobs, beta=0.0))
        )
    return out


def plan_report(shape: ModelShape, knobs: Knobs, model_name: str, gpu_bytes: float | None, gpu_source: str) -> str:
    items = estimate(shape, knobs)
    lines = [
        (
            f"memory plan per GPU ({model_name}: {shape.params / 1e6:,.0f}M parameters, {shape.layers} layers, from its"
            f" config; no weights loaded; {knobs.launch.describe}):"
        )
    ]
    for item in items:
        lines.append(f"  {item.name:<38} {_size(item, gpu_bytes):>10}  {_detail(item, shape, knobs)}")
    total = peak(items, gpu_bytes)
    phase = "training" if peak([i for i in items if i.phases != "sample"], gpu_bytes) >= total else "sampling"
    if knobs.vllm == "none":
        lines.append(f"  example length: up to {knobs.completion_tokens} tokens (trainer.max_length)")
    else:
        lines.append(
            f"  prompt length: {knobs.prompt_tokens} tokens ({knobs.prompt_source}); completions up to {knobs.completion_tokens}"
        )
    if gpu_bytes is None:
        vllm = next((i for i in items if i.share), None)
        beside = f" + {vllm.share:.0%} of the GPU for vLLM" if vllm else ""
        lines.append(f"  peak ({phase}): {total / GiB:.2f} GiB{beside}; name the GPU for a verdict: --gpu-memory 80GB")
        return "\n".join(lines)
    verdict = (
        "DOES NOT FIT"
        if total > gpu_bytes
        else ("fits, tight (the allocator needs slack)" if total > TIGHT * gpu_bytes else "fits")
    )
    lines.append(f"  peak ({phase}): {total / GiB:.2f} GiB of {gpu_bytes / GiB:.1f} GiB ({gpu_source}): {verdict}")
    ranked = sorted(((total - peak(estimate(shape, k), gpu_bytes), text) for text, k in levers(knobs)), reverse=True)
    for saved, text in [r for r in ranked if r[0] > 0][:3]:
        after = total - saved
        lines.append(f"  lever: {text}: -{saved / GiB:.2f} GiB, peak {after / GiB:.2f} GiB"
                     + ("" if after <= gpu_bytes or total <= gpu_bytes else " (not enough alone)"))  # fmt: skip
    return "\n".join(lines)


def _size(item: Item, gpu_bytes: float | None) -> str:
    if item.share and gpu_bytes is None:
        return f"{item.share:.0%} of GPU"
    return f"{(item.bytes + item.share * (gpu_bytes or 0)) / GiB:.2f} GiB"


def _detail(item: Item, shape: ModelShape, knobs: Knobs) -> str:
    detail = item.detail
    if item.name == "activations":
        other = activations(shape, knobs, not knobs.checkpointing) / GiB
        detail += f" ({'without' if knobs.checkpointing else 'with'} checkpointing: {other:.2f} GiB)"
    when = {"train": "; training only", "sample": "; sampling only"}.get(item.phases, "")
    return detail + when
