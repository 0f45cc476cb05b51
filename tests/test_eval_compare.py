"""grpo-math compare: paired differences between two evaluations' samples files."""

import json

import pytest

from grpo_math.cli import main
from grpo_math.errors import RecipeError
from grpo_math.evaluate.compare import paired_difference, read_samples


def records(correct, dataset="gsm8k", questions=None):
    questions = questions or [f"q{i}" for i in range(len(correct))]
    return [{"dataset": dataset, "question": q, "gold": "1", "completions": ["x"] * len(c), "answers": [None] * len(c),
             "correct": c, "strict_correct": c} for q, c in zip(questions, correct)]  # fmt: skip


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_paired_difference_by_hand():
    base = records([[1], [1], [0], [0], [0]])
    other = records([[1], [0], [1], [1], [0]])
    p = paired_difference(base, other)
    # d = 0, -1, +1, +1, 0: mean 0.2, sample variance (0.04*2 + 1.44 + 0.64*2) / 4 = 0.7, SE sqrt(0.7 / 5)
    assert p["n"] == 5 and p["base"] == 0.4 and p["other"] == 0.6
    assert p["difference"] == pytest.approx(0.2) and p["se"] == pytest.approx((0.7 / 5) ** 0.5)
    assert (p["gained"], p["lost"]) == (2, 1)


def test_k_samples_score_each_problem_by_its_share_right():
    p = paired_difference(records([[1, 0, 0, 0], [0, 0, 0, 0]]), records([[1, 1, 1, 0], [0, 0, 0, 0]]))
    assert p["difference"] == pytest.approx(0.25) and (p["gained"], p["lost"]) == (1, 0)


def test_different_problems_are_refused():
    with pytest.raises(RecipeError, match="different problems"):
        paired_difference(records([[1], [0]]), records([[1], [0]], questions=["q0", "other"]))
    with pytest.raises(RecipeError, match="different problems"):
        paired_difference(records([[1], [0]]), records([[1]]))


def test_a_file_that_is_not_samples_names_the_line(tmp_path):
    path = tmp_path / "eval_results.json"
    path.write_text('{"model": "m",\n "datasets": {}}\n')
    with pytest.raises(RecipeError, match=r"eval_results.json:1 is not an evaluation sample record"):
        read_samples(path)
    with pytest.raises(RecipeError, match="does not exist"):
        read_samples(tmp_path / "missing.samples.jsonl")


def test_cli_prints_each_shared_dataset(tmp_path, capsys):
    a = write(tmp_path / "a.samples.jsonl", records([[1], [0], [0], [0]]) + records([[1]], dataset="mathqa"))
    b = write(tmp_path / "b.samples.jsonl", records([[1], [1], [1], [0]]))
    assert main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("gsm8k: ")
    assert "25.0% -> 75.0%, +50.0 points (paired SE 28.9, n=4; 2 problems gained, 0 lost)" in out[0]
    assert main(["compare", str(a)]) == 2  # usage: a one-line error, exit 2
    assert "usage: grpo-math compare" in capsys.readouterr().err
