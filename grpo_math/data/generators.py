"""Offline problems from reasoning-gym, with exact answers and worked solutions.

Train and held-out splits never share a problem: a problem belongs to `test` iff a hash of its question falls
in the held-out tenth, whatever the seeds and sizes; each (seed, split) draws from its own hashed stream.
"""

import hashlib
import re

from grpo_math.data.adapters import Adapter
from grpo_math.data.arithmetic_solver import METHODS, solve_steps
from grpo_math.errors import RecipeError

HELD_OUT_SHARE = 10  # 1 in 10 generated problems is held out
DEFAULT_SIZE = 1000


def is_held_out(question: str) -> bool:
    return int(hashlib.sha1(question.encode()).hexdigest(), 16) % HELD_OUT_SHARE == 0


OUR_KEYS = ("solution_steps",)  # config keys read here, not passed on to reasoning-gym


def _generator_config(source) -> dict:
    return {k: v for k, v in dict(source.config).items() if k not in OUR_KEYS}


def stream_seed(seed: int, split: str) -> int:
    """reasoning-gym seeds item i with seed + i, so the seeds 7 and 42 draw the same problems 35 items apart: a
    recipe's seed is hashed (with the split) into a stream start far from any other's."""
    return int(hashlib.sha256(f"{seed}:{split}".encode()).hexdigest(), 16) % 2**31


def _generate(name: str, source, seed: int, keep=lambda entry: True):
    """Yield reasoning-gym entries of `source.split`, deterministic in (seed, config)."""
    import reasoning_gym

    if source.split not in ("train", "test"):
        raise RecipeError(f"{name}: split must be 'train' or 'test', got {source.split!r}")
    want_test = source.split == "test"
    size = source.size or DEFAULT_SIZE
    batch = size * (HELD_OUT_SHARE if want_test else 2)
    chunk_seed = stream_seed(seed, source.split)
    made, seen = 0, set()
    for _ in range(50):  # bounded: a config too narrow to yield `size` distinct problems stops with an error
        try:
            ds = reasoning_gym.create_dataset(name, size=batch, seed=chunk_seed, **_generator_config(source))
        except (TypeError, ValueError, AssertionError) as e:
            raise RecipeError(f"{name}: bad data.sources.{name}.config {dict(source.config)}: {e}") from None
        for entry in ds:
            q = entry["question"]
            if q in seen or is_held_out(q) != want_test or not keep(entry):
                continue
            seen.add(q)
            yield entry
            made += 1
            if made == size:
                return
        chunk_seed += 7919
    raise RecipeError(f"{name}: only {made} distinct {source.split} problems for size={size}; widen its config")


_HASH_LINE = re.compile(r"\n?####.*$", re.DOTALL)


def gsm_symbolic_records(source, seed: int):
    for e in _generate("gsm_symbolic", source, seed):
        solution = _HASH_LINE.sub("", e["metadata"].get("answer_cot", "")).strip()
        yield {"question": e["question"], "answer": str(e["answer"]).strip(), "solution": solution}


def basic_arithmetic_records(source, seed: int):
    """config.solution_steps: one method of grpo_math.data.arithmetic_solver (`one_line`, the default; `place_value`;
    `column`), or a list of them: each problem is then worked one of those ways, picked by a hash of its question
    (in equal shares, whatever the order); `mixed` is [one_line, place_value]. A cold start on several methods
    leaves the choice of method to the policy, which is what RL can then learn from its rewards: which method the
    model gets right."""
    methods = _solution_methods(source.config.get("solution_steps", "one_line"))
    for e in _generate("basic_arithmetic", source, seed, keep=_exact_arithmetic):
        method = methods[_pick(e["question"], len(methods))]
        steps, _ = solve_steps(e["metadata"]["expression"], method)
        yield {"question": e["question"], "answer": str(e["answer"]).strip(), "solution": "\n".join(steps)}


def _solution_methods(setting) -> list[str]:
    methods = (
        ["one_line", "place_value"] if setting == "mixed" else [setting] if isinstance(setting, str) else list(setting)
    )
    if not methods or any(m not in METHODS for m in methods):
        raise RecipeError(
            f"basic_arithmetic: config.solution_steps={setting!r} must be one of {', '.join(METHODS)}, mixed, "
            "or a list of those methods"
        )
    return methods


def _pick(text: str, n: int) -> int:
    return hashlib.blake2b(text.encode(), digest_size=1).digest()[0] % n


def _exact_arithmetic(entry) -> bool:
    """reasoning-gym floors inexact divisions (-438 / 648038 -> -1); keep only problems whose gold is the true value."""
    try:
        _, value = solve_steps(entry["metadata"]["expression"])
    except (ValueError, SyntaxError):
        return False
    return str(value) == str(entry["answer"]).strip()


GSM_SYMBOLIC = Adapter("gsm_symbolic", gsm_symbolic_records, columns=("answer", "solution"))
BASIC_ARITHMETIC = Adapter("basic_arithmetic", basic_arithmetic_records, columns=("answer", "solution"))
