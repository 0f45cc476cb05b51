"""Completions for many prompts: batched, left-padded transformers `generate` (default), or vLLM when installed.

Prompts are sorted by length before batching so a batch pads to similar lengths, and the results are put back
in the caller's order. Greedy when temperature is 0 (pass@1); k samples per prompt otherwise.
"""

from dataclasses import dataclass

from grpo_math.errors import RecipeError


@dataclass(frozen=True)
class Completion:
    text: str
    length: int  # generated tokens, up to and including the first end-of-sequence token


def render_prompt(tokenizer, messages: list[dict], model_name: str, style: str) -> str:
    """Chat messages -> the prompt text. Without a chat template only a single user turn (the metamath style's
    Alpaca prompt, complete in itself) can be sent as plain text."""
    if tokenizer.chat_template is not None:
        return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    if len(messages) == 1 and messages[0]["role"] == "user":
        return messages[0]["content"]
    raise RecipeError(
        f"{model_name} has no chat template and prompt style {style!r} sends a system prompt: set model.chat_template, "
        "or eval.prompt=metamath (a plain-text Alpaca prompt)"
    )


def load_eval_tokenizer(model_cfg, path: str):
    """grpo_math.model.load_tokenizer, but a missing chat template is decided per prompt style (render_prompt)."""
    from grpo_math.model import load_tokenizer

    return load_tokenizer(model_cfg, path, require_chat_template=False)


def generate_hf(
    model, tokenizer, prompts: list[str], *, k: int = 1, temperature: float = 0.0, max_new_tokens: int = 512,
    batch_size: int = 16, seed: int = 1234, progress: bool = True, desc: str = "eval",
) -> list[list[Completion]]:  # fmt: skip
    """k completions for each prompt, batch_size prompts (batch_size * k sequences) per generate call."""
    import torch
    from tqdm.auto import tqdm
    from transformers import GenerationConfig

    from grpo_math.cpu_sampling import inverse_cdf_on, tokens_by_inverse_cdf
    from grpo_math.shared_prefill import generate_sharing_prompts

    sampling = temperature > 0
    inverse_cdf = sampling and inverse_cdf_on(model.device)  # each sampled token by inverse CDF (on a CPU)
    # The knobs a checkpoint's generation_config.json may set (Qwen's sets top_k, top_p, repetition_penalty) are
    # pinned, so a score depends on the recipe only: plain sampling at `temperature`, or plain greedy.
    knobs = {"temperature": temperature, "top_p": 1.0, "top_k": 0, "min_p": 0.0} if sampling else {}
    config = GenerationConfig(
        max_new_tokens=max_new_tokens, do_sample=sampling, repetition_penalty=1.0, pad_token_id=tokenizer.pad_token_id,
        **knobs,
    )  # fmt: skip
    # k copies of each prompt, as num_return_sequences lays them out, with each prompt prefilled once
    generate = generate_sharing_prompts(model, model.generate, k) if k > 1 else model.generate
    stop = _eos_ids(model, tokenizer)
    encoded = tokenizer(prompts, add_special_tokens=False)["input_ids"]  # the chat template already has them
    order = sorted(range(len(prompts)), key=lambda i: -len(encoded[i]))  # longest first: memory errors show early
    results: list[list[Completion]] = [[] for _ in prompts]
    if sampling:
        torch.manual_seed(seed)
    bar = tqdm(total=len(prompts), desc=desc, unit="problem", disable=not progress, leave=False)
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        inputs = tokenizer.pad({"input_ids": [encoded[i] for i in batch]}, padding_side="left", return_tensors="pt")
        inputs = {name: t.to(model.device).repeat_interleave(k, dim=0) for name, t in inputs.items()}
        with torch.no_grad(), tokens_by_inverse_cdf(inverse_cdf):
            out = generate(**inputs, generation_config=config)
        generated = out[:, inputs["input_ids"].shape[1] :].tolist()
        for row, ids in enumerate(generated):
            length = next((j + 1 for j, t in enumerate(ids) if t in stop), len(ids))
            text = tokenizer.decode(ids[:length], skip_special_tokens=True)
            results[batch[row // k]].append(Completion(text, length))
        bar.update(len(batch))
    bar.close()
    return results


def _eos_ids(model, tokenizer) -> set[int]:
    eos = getattr(model.generation_config, "eos_token_id", None) if hasattr(model, "generation_config") else None
    eos = eos if eos is not None else tokenizer.eos_token_id
    return set(eos if isinstance(eos, list) else [eos])


class VllmEngine:
    """generate_hf's contract on a vLLM engine (a GPU, or vLLM's CPU backend), built once per evaluation; vLLM
    batches by itself. On a CPU vLLM reads gpu_memory_utilization as the share of RAM to reserve for its cache, and
    its 0.92 default cannot be had beside anything else: 0.3 there."""

    def __init__(self, model_path: str, *, dtype: str = "auto", seed: int = 1234):
        from grpo_math.model import cuda_available
        from grpo_math.vllm_checks import check_vllm_importable

        check_vllm_importable("eval.backend=vllm")
        from vllm import LLM

        memory = {} if cuda_available() else {"gpu_memory_utilization": 0.3}
        self.llm = LLM(model=model_path, tokenizer=model_path, dtype=dtype, seed=seed, **memory)

    def generate(self, tokenizer, prompts: list[str], *, k=1, temperature=0.0, max_new_tokens=512, seed=1234):
        from vllm import SamplingParams

        params = SamplingParams(n=k, temperature=temperature, top_p=1.0, max_tokens=max_new_tokens, seed=seed)
        # Token ids, not text: vLLM would add special tokens to text the chat template has already given them.
        encoded = tokenizer(prompts, add_special_tokens=False)["input_ids"]
        outputs = self.llm.generate([{"prompt_token_ids": ids} for ids in encoded], params, use_tqdm=True)
        return [[Completion(o.text, len(o.token_ids)) for o in request.outputs] for request in outputs]
