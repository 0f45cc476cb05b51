"""benchmarks/gradient_signal.py's estimator: from running sums only, the expected gradient's squared length and one
problem's noise, on synthetic gradients whose signal and noise are known."""

import math
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from gradient_signal import Sums, cosine


@pytest.mark.parametrize("signal", [0.0, 0.05, 0.5])
def test_signal_and_noise_recovered(signal):
    gen = torch.Generator().manual_seed(0)
    dim, n, noise = 20_000, 400, 1.0  # noise: expected |g - mu|^2 of one problem
    mu = torch.randn(dim, generator=gen)
    mu *= signal**0.5 / mu.norm()
    sums = Sums()
    for _ in range(n):
        sums.add(mu + torch.randn(dim, generator=gen) * (noise / dim) ** 0.5)
    mu2, noise_hat, ratio = sums.signal_noise()
    assert noise_hat == pytest.approx(noise, rel=0.02)
    assert mu2 == pytest.approx(signal, abs=0.01)  # the estimator's own spread at n=400 is ~0.003
    assert ratio == pytest.approx(signal / noise, abs=0.01)


def test_zero_gradients_counted_and_pull_the_signal_down():
    sums = Sums()
    g = torch.ones(10)
    for _ in range(3):
        sums.add(g.clone())
    sums.add(torch.zeros(10))
    assert sums.zero == 1 and sums.n == 4
    mu2, noise, _ = sums.signal_noise()
    # three equal gradients and a zero: mean dot product over pairs = 3 of 6 pairs x 10
    assert mu2 == pytest.approx(5.0) and noise == pytest.approx(30 / 4 - 5.0)


def test_cosine_in_float64():
    a = torch.randn(1000)
    assert cosine(a, a) == pytest.approx(1.0, abs=1e-12)
    assert cosine(a, -2 * a) == pytest.approx(-1.0, abs=1e-12)


def test_all_zero_gradients_give_no_ratio():
    sums = Sums()
    for _ in range(3):
        sums.add(torch.zeros(5))
    mu2, noise, ratio = sums.signal_noise()
    assert mu2 == 0 and noise == 0 and math.isnan(ratio)  # not a division by zero
