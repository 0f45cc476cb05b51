"""Rewards for tests that need groups with and without variance from a random tiny model (loaded by file path)."""


def odd_gold_parity(completions, answer, **kwargs):
    """Odd gold: 1 for an odd-length completion text, else 0 (random text: mixed groups); even gold: always 0 (a
    group with no gradient, for dynamic sampling to drop)."""
    return [float(len(str(c)) % 2) if int(a) % 2 else 0.0 for c, a in zip(completions, answer, strict=True)]
