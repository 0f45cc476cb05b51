"""Bytes per GPU, item by item, for a GRPO step: model states, the reference model, activations, sampling.

Two phases share the GPU: sampling (vLLM's share or transformers' KV cache, beside the weights and optimizer states)
and the training micro-step (gradients and activations beside the same). The plan's total is the larger phase.

Model states follow the ZeRO paper's accounting (Rajbhandari et al. 2020, section 3.1: mixed-precision Adam holds
2 + 2 + 12 bytes per parameter, 16 in all), with the sharding each launch applies; a plain (DDP) run of a bf16 model
keeps AdamW's states in bf16, no fp32 master copy (torch's AdamW stores its states in the parameter's dtype).
Activations count the tensors a Llama-style decoder layer keeps for its backward (see `layer_activation_bytes`).
"""

from dataclasses import dataclass

from grpo_math.memory.knobs import Knobs
from grpo_math.memory.shape import ModelShape

NF4_BYTES = 0.5 + 1 / 64 + 4 / (64 * 256)  # 4-bit values, an 8-bit scale per 64, a fp32 scale per 256 scales
CUDA_CONTEXT = 0.5 * 2**30  # per process: the CUDA context and cuBLAS workspace, outside PyTorch's allocator
GENERATION_LOGIT_COPIES = 3  # the last position's logits, fp32: raw, processed, probabilities


@dataclass(frozen=True)
class Item:
    name: str
    bytes: float  # on each GPU; a vLLM share is `share` of the GPU instead
    phases: str  # "both", "train" (the micro-step) or "sample"
    detail: str = ""
    share: float = 0.0  # a fraction of the whole GPU (vLLM's gpu_memory_utilization)


def layer_activation_bytes(shape: ModelShape, knobs: Knobs, seq: int) -> float:
    """Bytes a decoder layer keeps per token for its backward: the two RMSNorms' fp32 inputs and their two outputs
    (normed, then scaled: both saved), q/k/v for attention (k and v repeated to every head unless flash attention
    handles grouped queries), attention's output twice (kernel and o_proj input), and the gated MLP's four
    intermediate-size tensors (gate, its SiLU, up, their product). Eager attention adds its probabilities."""
    d, h = knobs.compute_bytes, shape.hidden
    kv = shape.kv_dim if knobs.attention.startswith("flash") else shape.q_dim
    per_token = 2 * (4 * h + 2 * d * h) + d * (shape.q_dim + 2 * kv) + 2 * d * shape.q_dim + 4 * d * shape.intermediate
    if knobs.attention == "eager":
        per_token += shape.heads * seq * (4 + d)  # fp32 softmax output and its cast, per key
    return per_token


def head_backward_bytes(shape: ModelShape, knobs: Knobs) -> float:
    """TRL's fused log-prob head in its backward: it recomputes [4096 tokens x 32768 vocab] logits tiles instead of
    holding [tokens x vocab] logits. Under Triton (CUDA) a tile is one buffer in the compute dtype and only
    completion tokens are scored; elsewhere (a CPU) every position is, and the torch fallback keeps seven fp32
    temporaries of a tile alive at once (logits, scaled, log-probs, probabilities, gradient, two products) and a
    boolean mask. Its gradients accumulate in fp32: the hidden states' and, when trained, the head weight's."""
    triton = knobs.device == "cuda"
    seq = knobs.prompt_tokens + knobs.completion_tokens
    scored = knobs.micro_batch * (knobs.completion_tokens if triton else max(seq - 1, 1))
    tile = min(scored, 4096) * min(shape.vocab, 32768)
    working = tile * (knobs.compute_bytes if triton else knobs.compute_bytes + 7 * 4 + 1)
    working += 4 * shape.hidden * scored
    if not knobs.lora_r:
        working += 4 * shape.output_head
    return working


def activations(shape: ModelShape, knobs: Knobs, checkpointing: bool) -> float:
    """One training micro-batch's activations at the peak of its backward: what the forward kept, plus the larger
    of the head's backward (first) and one layer's (gradients of its activations; checkpointed, the recomputed
    activations too)."""
    d, h = knobs.compute_bytes, shape.hidden
    seq = knobs.prompt_tokens + knobs.completion_tokens
    tokens = knobs.micro_batch * seq
    layer = layer_activation_bytes(shape, knobs, seq) * tokens
    # kept through the forward: every layer's activations, or (checkpointed) only each layer's input; then the
    # final norm and the hidden states the head reads
    kept = shape.layers * (d * h * tokens if checkpointing else layer) + (4 * h + 3 * d * h) * tokens
    return kept + max(head_backward_bytes(shape, knobs), layer * (2 if checkpointing else 1))


def kv_cache(shape: ModelShape, knobs: Knobs) -> float:
    """transformers' generate on the whole local generation batch: keys and values of every layer and position."""
    seq = knobs.prompt_tokens + knobs.completion_tokens
    cache = 2 * shape.layers * shape.kv_dim * knobs.compute_bytes * knobs.generation_batch * seq
    return cache + GENERATION_LOGIT_COPIES * 4 * knobs.generation_batch * shape.vocab


def model_states(shape: ModelShape, knobs: Knobs) -> list[Item]:
    """Weights, gradients and optimizer states on each GPU, under LoRA/QLoRA and the launch's sharding."""
    launch, w, n = knobs.launch, knobs.weight_bytes, knobs.launch.processes
    shard = knobs.launch.sharding
    p = shape.params
    adam = 2 if "8bit" in knobs.optimizer else 8  # two states: 8-bit (bitsandbytes) or fp32
    if knobs.lora_r:  # frozen base, fp32 adapters (peft upcasts them), which are too small to bother sharding
        t = shape.lora_params(knobs.lora_r, knobs.lora_targets)
        base = (shape.linear_params * NF4_BYTES + (p - shape.linear_params) * w) if knobs.qlora else p * w
        base /= n if shard in ("zero3", "fsdp") else 1
        kind = "4-bit NF4 linears, the rest 16-bit" if knobs.qlora else f"{_dtype(w)}, frozen"
        return [
            Item("base weights", base, "both", f"{p / 1e6:,.0f}M, {kind}"),
            Item("LoRA adapters, gradients, optimizer", t * (4 + 4 + adam), "both",
                 f"{t / 1e6:,.1f}M trained, fp32 (peft), {knobs.optimizer}"),
        ]  # fmt: skip
    if shard == "fsdp":  # accelerate keeps fp32 sharded parameters under mixed precision, compute copies gathered
        gathered = (2 * shape.largest_layer + shape.output_head) * knobs.compute_bytes
        return [
            Item("weights (fp32 shards)", 4 * p / n, "both", f"{p / 1e6:,.0f}M / {n} processes"),
            Item("gathered layers", gathered, "both", "two decoder layers (prefetch) and the output head, 16-bit"),
            Item("gradients (fp32 shards)", 4 * p / n, "train"),
            Item("optimizer states", (adam * p / n) * (0 if launch.offload_optimizer else 1), "both",
                 f"{knobs.optimizer}, sharded" + (", offloaded to CPU" if launch.offload_optimizer else "")),
        ]  # fmt: skip
    if shard.startswith("zero"):
        stage = int(shard[-1])
        master = 4 if w < 4 else 0  # DeepSpeed keeps fp32 master weights beside 16-bit ones
        weights = p * w / (n if stage == 3 else 1) * (0 if launch.offload_params else 1)
        optim = p * (master + adam) / n * (0 if launch.offload_optimizer else 1)
        items = [
            Item("weights", weights, "both", f"{p / 1e6:,.0f}M, {_dtype(w)}" + (f", sharded / {n}" if stage == 3 else "")),
            Item("gradients", p * w / (n if stage >= 2 else 1), "train", f"{_dtype(w)}" + (f", sharded / {n}" if stage >= 2 else "")),
            Item("optimizer states" + (" and fp32 master weights" if master else ""), optim, "both",
                 f"{master + adam} bytes per parameter / {n}" + (", offloaded to CPU" if launch.offload_optimizer else "")),
        ]  # fmt: skip
        if stage == 3:
            items.append(Item("gathered layers", 2 * shape.largest_layer * w, "both", "two decoder layers (prefetch)"))
        return items
    items = [
        Item("weights", p * w, "both", f"{p / 1e6:,.0f}M parameters, {_dtype(w)}"),
        Item("gradients", p * w, "train", _dtype(w)),
        Item("optimizer states", p * (adam if "8bit" in knobs.optimizer else 2 * w), "both",
             f"{knobs.optimizer}: two states per parameter, {'8-bit' if '8bit' in knobs.optimizer else _dtype(w)}"),
    ]  # fmt: skip
    if n > 1:
        items.append(Item("DDP gradient buckets", p * w, "train", "a second copy of the gradients, for all-reduce"))
    return items


def estimate(shape: ModelShape, knobs: Knobs) -> list[Item]:
    items = model_states(shape, knobs)
    if knobs.beta > 0 and not knobs.lora_r:  # LoRA's reference is the base with the adapter off: no copy
        sharded = knobs.launch.sharding in ("zero3", "fsdp")
        ref = shape.params * knobs.weight_bytes / (knobs.launch.processes if sharded else 1)
        items.append(Item("reference model", ref, "both", f"beta={knobs.beta:g}: a frozen copy of the weights"))
    seq = knobs.prompt_tokens + knobs.completion_tokens
    act = activations(shape, knobs, knobs.checkpointing)
    items.append(Item("activations", act, "train",
                      f"{knobs.micro_batch} {'examples' if knobs.vllm == 'none' else 'completions'} x {seq} tokens, "
                      + ("checkpointed" if knobs.checkpointing else "not checkpointed")))  # fmt: skip
    if knobs.vllm == "colocate":
        phase = "sample" if knobs.vllm_sleep else "both"
        items.append(Item("vLLM (colocated)", 0.0, phase,
                          f"gpu_memory_utilization={knobs.vllm_share:g}"
                          + (": released while training (sleep mode)" if knobs.vllm_sleep else ""),
                          share=knobs.vllm_share))  # fmt: skip
    elif knobs.vllm == "off":
        items.append(Item("KV cache (transformers generate)", kv_cache(shape, knobs), "sample",
                          f"{knobs.generation_batch} completions x {seq} tokens at once"))  # fmt: skip
    if knobs.device == "cuda":
        items.append(Item("CUDA context", CUDA_CONTEXT, "both", "outside PyTorch's allocator; an allowance, ~0.5 GiB"))
    return items


def peak(items: list[Item], gpu_bytes: float | None = None) -> float:
    """The larger phase's bytes; a vLLM share counts as its fraction of `gpu_bytes` (0 when no GPU is named)."""

    def phase(name: str) -> float:
        return sum(i.bytes + i.share * (gpu_bytes or 0) for i in items if i.phases in ("both", name))

    return max(phase("train"), phase("sample"))


def share(items: list[Item]) -> float:
    return max((i.share for i in items), default=0.0)


def _dtype(nbytes: float) -> str:
    return {2: "bf16", 4: "fp32"}.get(nbytes, f"{nbytes} bytes")
