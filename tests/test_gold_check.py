"""Rows whose gold answer a correctness reward cannot read are counted before training; none readable is an error."""

import datasets
import pytest

from grpo_math.errors import RecipeError
from grpo_math.gold_check import check_golds
from grpo_math.reward_funcs import build_reward_funcs

REWARDS = {"numeric_correctness": {"weight": 2.0}, "xml_format": {"weight": 1.0}}


def dataset(answers):
    prompt = [{"role": "user", "content": "q"}]
    return datasets.Dataset.from_list([{"prompt": prompt, "question": "q", "answer": a} for a in answers])


RATIONALE = "She had 3 apples and ate 1, so 2 are left: a whole solution in the answer column"


def test_text_golds_are_readable():
    ds = dataset(["\\text{Evelyn}", "12"])  # MATH has names as answers: graded as text
    funcs, _ = build_reward_funcs(REWARDS, ds.column_names)
    assert check_golds(ds, funcs) == {"numeric_correctness": 0}


def test_some_unreadable_golds_are_counted_and_said(capsys):
    ds = dataset(["12", "3/4", RATIONALE])  # a number, a fraction, and a worked solution no answer can match
    funcs, _ = build_reward_funcs(REWARDS, ds.column_names)
    assert check_golds(ds, funcs) == {"numeric_correctness": 1}  # xml_format reads no gold: not asked
    assert "cannot read the gold answer of 1 of 3 rows (e.g. 'She had 3 apples" in capsys.readouterr().out


def test_no_readable_gold_at_all_is_an_error():
    ds = dataset([RATIONALE, RATIONALE.replace("2", "5")])
    funcs, _ = build_reward_funcs(REWARDS, ds.column_names)
    with pytest.raises(RecipeError, match="reward 'numeric_correctness' cannot read any gold 'answer'"):
        check_golds(ds, funcs)
