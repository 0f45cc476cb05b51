"""Freed memory kept in the process for CPU training: the page faults it saves, and runs turning it on only where
it applies."""

import subprocess
import sys

import pytest

from grpo_math import cpu_heap

CYCLES = """
import resource, sys, torch
if sys.argv[1] == "keep":
    from grpo_math.cpu_heap import keep_heap
    assert keep_heap()
def step():  # a training step's pattern: blocks of 1-30 MiB allocated, written, freed
    blocks = [torch.empty(n * 2**18).fill_(1.0) for n in (1, 3, 8, 2, 16, 5, 30, 4, 12, 7) * 3]
    del blocks
step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", CYCLES, mode], capture_output=True, text=True, check=True)
    return int(out.stdout)


@pytest.mark.skipif(not cpu_heap.glibc(), reason="glibc's mallopt is not available here")
def test_a_kept_heap_faults_the_pages_of_repeated_steps_in_once():
    default, kept = faults("default"), faults("keep")
    # 5 steps x 264 MiB: glibc's defaults fault ~128k pages back in (measured), the kept heap almost none
    assert default > 20_000 and kept < default / 10, (default, kept)


@pytest.fixture
def kept(monkeypatch):
    """The calls to keep_heap (not made: the process's malloc is left as it is)."""
    calls = []
    monkeypatch.setattr(cpu_heap, "keep_heap", lambda: calls.append(1) or True)
    return calls


def test_only_cpu_runs_keep_the_heap_unless_switched_off(kept, monkeypatch):
    from grpo_math import model

    monkeypatch.setattr(model, "cuda_available", lambda: True)
    assert not cpu_heap.keep_heap_when_training_on_cpu() and not kept  # a GPU run: glibc as it is
    monkeypatch.setattr(model, "cuda_available", lambda: False)
    monkeypatch.setenv("GRPO_MATH_KEEP_HEAP", "0")
    assert not cpu_heap.keep_heap_when_training_on_cpu() and not kept
    monkeypatch.delenv("GRPO_MATH_KEEP_HEAP")
    assert cpu_heap.keep_heap_when_training_on_cpu() and kept == [1]


def test_a_run_keeps_the_heap_before_it_executes(tmp_path, tiny_model_dir, monkeypatch):
    from grpo_math import plan
    from grpo_math.recipe import load_recipe

    order = []
    monkeypatch.setattr(cpu_heap, "keep_heap_when_training_on_cpu", lambda: order.append("heap"))
    recipe = load_recipe(["recipe=quickstart", "~warm_start", f"model.name_or_path={tiny_model_dir}",
                          f"trainer.output_dir={tmp_path}", "trainer.report_to=none"])  # fmt: skip
    plan.run(recipe, "grpo", lambda plan, interruption: order.append("execute"))
    assert order == ["heap", "execute"]
