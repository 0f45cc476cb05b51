"""README command 1 end to end on this CPU: cold start, baselines, GRPO, final evaluation, the PNG (~25 minutes).

The bar, read from the files the run writes, on >= 500 held-out problems: strict XML format from ~0 (the base model,
eval/step_0.json) to >= 95%; and GRPO's own gain: the final accuracy (eval/step_<N>.json) at least 8 points over the
warm-started model GRPO began from (eval/warm_start.json), and at least 60%.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grpo_math.evaluate.compare import describe, paired_difference, read_samples
from grpo_math.evaluate.runner import samples_file

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_quickstart_learns(tmp_path):
    out, sft = tmp_path / "quickstart", tmp_path / "quickstart_sft"
    run = subprocess.run(
        [sys.executable, "launch/grpo.py", "recipe=quickstart", f"trainer.output_dir={out}", "trainer.report_to=none",
         f"warm_start.overrides=['trainer.output_dir={sft}']"],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=3600, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    steps = sorted(int(re.search(r"step_(\d+)", p.name).group(1)) for p in (out / "eval").glob("step_*.json"))
    base = json.loads((out / "eval" / "step_0.json").read_text())
    final = json.loads((out / "eval" / f"step_{steps[-1]}.json").read_text())
    assert base["stage"] == "base" and steps[-1] > 0
    for name, after in final["datasets"].items():
        before = base["datasets"][name]
        assert before["format_rate"] <= 0.05, (name, before)
        assert after["format_rate"] >= 0.95, (name, after)
        assert after["accuracy"] >= 3 * before["accuracy"], (name, before["accuracy"], after["accuracy"])
        assert after["accuracy"] >= before["accuracy"] + 0.20, (name, before["accuracy"], after["accuracy"])
    warm = json.loads((out / "eval" / "warm_start.json").read_text())
    warm_samples = read_samples(samples_file(out / "eval" / "warm_start.json"))
    final_samples = read_samples(samples_file(out / "eval" / f"step_{steps[-1]}.json"))
    for name, after in final["datasets"].items():
        start = warm["datasets"][name]
        assert start["n"] >= 500 and after["n"] == start["n"], (name, start["n"], after["n"])
        change = describe(paired_difference(warm_samples[name], final_samples[name]))  # the same problems, paired
        assert after["accuracy"] >= start["accuracy"] + 0.08, (name, change)
        assert after["accuracy"] >= 0.60, (name, after["accuracy"])
    assert (out / "training_curves.png").is_file()
    assert (out / "README.md").is_file()  # the model card
