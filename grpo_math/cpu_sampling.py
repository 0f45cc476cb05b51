"""Drawing each sampled token on a CPU by inverse CDF instead of `torch.multinomial`.

transformers' sampling loop draws every next token with `torch.multinomial(probs, 1)`. On a CPU that draws one
exponential random number per vocabulary entry and row (the exponential race), and the random-number generator
is single-threaded: 14 ms for SmolLM2's 16 x 49,152 probabilities, ~15% of a quickstart decode step. Inverse CDF
draws one uniform number per row and binary-searches the row's cumulative sum (0.3 ms): the same distribution,
a different random stream. benchmarks/cpu_levers.py measures it on a generate call.

transformers calls `torch.multinomial` by its module path, so `tokens_by_inverse_cdf` swaps torch's function for
the duration of a block; calls it does not serve (several samples, GPU tensors) go to torch's own. GRPO's generation
and sampled evaluations enter it where `inverse_cdf_on` their device (GRPO_MATH_INVERSE_CDF=0 turns both off).
"""

import contextlib

import torch

_torch_multinomial = torch.multinomial


def inverse_cdf_sample(probs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """One index per row of `probs` (rows of non-negative weights, not necessarily normalised), drawn with
    probability proportional to its weight; shape (rows, 1), like `torch.multinomial(probs, 1)`."""
    cumulative = probs.double().cumsum(-1)  # float64: a float32 running sum rounds each small weight by ~6e-8
    total = cumulative[..., -1:]
    if not (torch.isfinite(total).all() and probs.min() >= 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")  # torch's words
    if not (total > 0).all():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    uniform = torch.rand(total.shape, generator=generator, dtype=torch.float64, device=probs.device)
    # u in [0, total): the first index whose cumulative sum exceeds u has a positive weight (equal sums mean zero
    # weights), and u = 0 cannot pick a leading zero-weight index, as searchsorted's left side would
    target = torch.minimum(uniform * total, torch.nextafter(total, torch.zeros_like(total)))
    return torch.searchsorted(cumulative, target, right=True)


def _multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    if num_samples == 1 and out is None and input.device.type == "cpu" and input.dim() in (1, 2):
        return inverse_cdf_sample(input, generator)
    return _torch_multinomial(input, num_samples, replacement, generator=generator, out=out)


def inverse_cdf_on(device) -> bool:
    """Is inverse CDF for sampling on `device` (a CPU, unless GRPO_MATH_INVERSE_CDF=0)?"""
    from grpo_math.switches import INVERSE_CDF, switched_on

    return torch.device(device).type == "cpu" and switched_on(INVERSE_CDF)


@contextlib.contextmanager
def tokens_by_inverse_cdf(enabled: bool = True):
    """Within the block, single CPU draws from `torch.multinomial` use inverse CDF (no-op if not `enabled`)."""
    if not enabled or torch.multinomial is _multinomial:
        yield
        return
    torch.multinomial = _multinomial
    try:
        yield
    finally:
        torch.multinomial = _torch_multinomial
