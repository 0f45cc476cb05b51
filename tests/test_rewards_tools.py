"""`grpo-math rewards list | check | score` and check_rewards, on recipes built in the test."""

import json

import pytest
from omegaconf import OmegaConf

from grpo_math.errors import RecipeError
from grpo_math.reward_tools import check_rewards, main_check, main_list, main_score, run_check

# The reference demo script's strict format reward, verbatim: no DOTALL and a required final newline.
REFERENCE_STRICT_FORMAT = """
import re

def strict_format_reward_func(completions, **kwargs) -> list[float]:
    pattern = r"^<reasoning>\\n.*?\\n</reasoning>\\n<answer>\\n.*?\\n</answer>\\n$"
    responses = [completion[0]["content"] for completion in completions]
    matches = [re.match(pattern, r) for r in responses]
    return [0.5 if match else 0.0 for match in matches]

def always_one(completions, **kwargs):
    return [1.0] * len(completions)

def crashes_on_empty(completions, **kwargs):
    return [1.0 / len(c[0]["content"]) for c in completions]
"""


def recipe(prompt="xml", **rewards):
    return OmegaConf.create({"data": {"prompt": prompt, "sources": {}, "seed": 0}, "rewards": rewards})


@pytest.fixture
def user_rewards(tmp_path):
    path = tmp_path / "user_rewards.py"
    path.write_text(REFERENCE_STRICT_FORMAT)
    return path


def test_builtins_pass_on_the_xml_prompt():
    cfg = recipe(
        numeric_correctness={"weight": 2.0},
        integer_answer={"weight": 0.5},
        xml_format={"weight": 0.5, "kwargs": {"strict": True}},
        xml_format_soft={"fn": "xml_format", "weight": 0.5, "kwargs": {"strict": False}},
        xml_count={"weight": 0.5},
    )
    assert check_rewards(cfg) == []


def test_multiple_choice_passes_on_the_mathqa_prompt():
    assert check_rewards(recipe("mathqa", multiple_choice={"weight": 1.0})) == []


@pytest.mark.parametrize(
    "prompt, entry, message",
    [
        ("boxed", {"fn": "xml_format"}, "cannot tell them apart"),  # a format reward that does not fit the prompt
        (
            "xml",
            {"fn": "{path}:strict_format_reward_func", "kind": "format"},
            "cannot tell them apart",
        ),  # the reference's regex
        ("xml", {"fn": "{path}:always_one", "kind": "correctness"}, "cannot tell them apart"),  # credits everything
        ("xml", {"fn": "{path}:crashes_on_empty"}, "raised ZeroDivisionError"),  # would crash the run
    ],
)
def test_check_catches_rewards_that_would_ruin_a_run(user_rewards, prompt, entry, message):
    entry = {k: v.format(path=user_rewards) for k, v in entry.items()}
    failures = check_rewards(recipe(prompt, suspect=entry))
    assert failures and all(line.startswith("suspect: ") for line in failures)
    assert any(message in line for line in failures), failures


def test_reward_that_cannot_read_the_gold_is_reported():
    rows = [{"question": "3 * 6?", "answer": "18", "options": "a ) 12 , b ) 18", "solution": "3 * 6 = 18"}]
    failures = check_rewards(recipe(mc={"fn": "multiple_choice"}), rows=rows)  # numeric golds are no letters
    assert failures == ["mc: every score is None (is the gold in the column and form this reward reads?)"]


def test_missing_column_is_a_recipe_error():
    with pytest.raises(RecipeError, match="needs column 'options'"):
        check_rewards(recipe(mc={"fn": "multiple_choice"}))  # GSM8K-like rows have no options


def test_token_id_rewards_are_listed_as_skipped():
    table, failures = run_check(
        recipe(ol={"fn": "soft_overlong", "kwargs": {"max_completion_len": 8, "soft_punish_cache": 2}})
    )
    assert failures == [] and "skipped" in table[0][-1]


def test_check_uses_given_rows_and_their_columns():
    rows = [{"question": "2+2?", "answer": "4", "solution": "2 + 2 = 4", "difficulty": 1}]
    assert check_rewards(recipe(numeric_correctness={}), rows=rows) == []


def test_cli_list(capsys):
    assert main_list([]) == 0
    out = capsys.readouterr().out
    assert "numeric_correctness" in out and "rewards.correctness:numeric_correctness" in out


def test_cli_check_and_score(tmp_path, capsys):
    assert main_check(["recipe=qwen05b_gsm8k"]) == 0
    assert "xml_format_soft" in capsys.readouterr().out
    assert main_check(["recipe=qwen05b_gsm8k", "data.prompt=boxed"]) == 1  # xml rewards on a boxed prompt
    assert "FAIL xml_format" in capsys.readouterr().out

    path = tmp_path / "completions.jsonl"
    rows = [
        {"completion": "<reasoning>\n3+4=7\n</reasoning>\n<answer>\n7\n</answer>", "answer": "7"},
        {"completion": [{"role": "assistant", "content": "The answer is $1,000."}], "answer": "1000"},
        {"completion": "<answer>\n8\n</answer>", "answer": "7"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert main_score(["recipe=qwen05b_gsm8k", str(path)]) == 0
    out = capsys.readouterr().out
    assert "numeric_correctness  2       0.667" in out  # mean over the three rows, weight 2
    assert "weighted total" in out


def test_rewards_of_undeclared_kind_are_not_ranked_but_must_not_crash(user_rewards):
    """TRL's own rewards and a user's brevity bonus say nothing about their kind: preflight must not refuse them."""
    cfg = recipe(
        think={"fn": "trl.rewards:think_format_reward"},  # gold XML completions score 0 here: a <think> reward
        credit={"fn": f"{user_rewards}:always_one"},
        checked={"fn": f"{user_rewards}:always_one", "kind": "correctness", "check": False},  # the escape hatch
    )
    assert check_rewards(cfg) == []
    table, _ = run_check(cfg)
    assert [row[-1] for row in table] == [
        "ok (kind not declared: not ranked)",
        "ok (kind not declared: not ranked)",
        "skipped: check: false",
    ]
    crashing = recipe(bad={"fn": f"{user_rewards}:crashes_on_empty"})
    assert "raised ZeroDivisionError" in check_rewards(crashing)[0]
