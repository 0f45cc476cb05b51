"""GRPO_MATH_* on/off switches for what grpo-math does differently from TRL and transformers on a CPU. Each is on
by default; 0 turns it off, for the benchmarks' baseline (TRL's way) and for bisecting."""

import os

from grpo_math.errors import RecipeError

SHARED_PROMPTS = "GRPO_MATH_SHARED_PROMPTS"  # each group's prompt read once (generation's prefill, training pass)
INVERSE_CDF = "GRPO_MATH_INVERSE_CDF"  # sampled tokens drawn by inverse CDF (grpo_math.cpu_sampling)
KEEP_HEAP = "GRPO_MATH_KEEP_HEAP"  # freed memory kept in the process (grpo_math.cpu_heap)

OFF_MEANS = {
    SHARED_PROMPTS: "each row's prompt read in full, as TRL does",
    INVERSE_CDF: "sampled tokens drawn with torch.multinomial, as transformers does",
    KEEP_HEAP: "glibc's default heap settings",
}


def switched_on(name: str) -> bool:
    value = os.environ.get(name, "1")
    if value not in ("0", "1"):
        raise RecipeError(f"{name}={value!r} must be 0 ({OFF_MEANS[name]}) or 1 (default)")
    return value == "1"
