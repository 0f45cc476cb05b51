"""Eval problems by name: local files in <data_dir>/<name>/test.jsonl, generators' held-out split, prompt styles."""

import json

import pytest
from omegaconf import OmegaConf

from grpo_math.errors import RecipeError
from grpo_math.evaluate.datasets import load_problems, messages_for, parse_options, style_for
from grpo_math.prompts import XML_SYSTEM_PROMPT
from grpo_math.recipe import load_recipe

GSM8K = [{"question": "Tom has 3 apples and buys 1,000 more. How many?", "answer": "3 + 1000 = 1003\n#### 1,003"}]
MATH500 = [{"problem": "Compute $\\frac{1}{2}+\\frac{1}{4}$.", "solution": "...", "answer": "\\frac{3}{4}",
            "subject": "Algebra", "level": 1, "unique_id": "test/algebra/1.json"}]  # fmt: skip
MATHQA = [
    {"problem": "what is 9 * 2 ?", "rationale": "...", "options": "a ) 12 , b ) 16 , c ) 18 , d ) 20 , e ) 24",
     "correct": "c"},
    {"problem": "pick", "rationale": "...", "options": "['a ) a ) 4 in', 'b ) b ) 6 in', 'c ) 5', 'd ) 8', 'e ) 1']",
     "correct": "b"},  # some MathQA rows hold a list's repr, with the letter repeated
]  # fmt: skip


def write_data(root, name, rows):
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.fixture
def data_dir(tmp_path):
    for name, rows in (("gsm8k", GSM8K), ("math500", MATH500), ("mathqa", MATHQA)):
        write_data(tmp_path, name, rows)
    return tmp_path


def recipe(*overrides):
    return load_recipe(["recipe=quickstart", *overrides])


def test_local_files_become_problems(data_dir):
    r = recipe(f"eval.data_dir={data_dir}")
    (gsm,) = load_problems("gsm8k", r.eval, r.data)
    assert gsm.gold == "1003" and gsm.options == {}  # the number after ####, separators dropped
    (math,) = load_problems("math500", r.eval, r.data)
    assert math.gold == "\\frac{3}{4}"
    qa = load_problems("mathqa", r.eval, r.data)
    assert qa[0].gold == "c" and qa[0].options["c"] == "18"
    assert qa[1].options == {"a": "4 in", "b": "6 in", "c": "5", "d": "8", "e": "1"}


def test_limit_keeps_the_first_rows(data_dir):
    r = recipe(f"eval.data_dir={data_dir}", "eval.limit=1")
    assert [p.gold for p in load_problems("mathqa", r.eval, r.data)] == ["c"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a ) 12 , b ) 16 , c ) 18 , d ) 20 , e ) 24", {"a": "12", "b": "16", "c": "18", "d": "20", "e": "24"}),
        ("a ) rs . 1,200 , b ) 1 : 2 , c ) ( 3 ) , d ) none , e ) 5",  # commas and brackets inside options
         {"a": "rs . 1,200", "b": "1 : 2", "c": "( 3 )", "d": "none", "e": "5"}),
        (["a ) 1", "b ) 2", "c ) 3", "d ) 4", "e ) 5"], {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}),  # a list
        ("['a ) 1', 'b ) 2', 'c ) 3', 'd ) 4', 'e ) 5']", {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}),  # its repr
    ],
)  # fmt: skip
def test_parse_options(text, expected):
    assert parse_options(text) == expected


def test_unknown_dataset_says_did_you_mean():
    r = recipe()
    with pytest.raises(
        RecipeError,
        match=r"unknown eval dataset 'gsm8' \(did you mean gsm8k\?\); available: basic_arithmetic, gsm8k, gsm_symbolic, hendrycks_math, math500, math_instruct, mathqa, metamathqa, orca_math",
    ):
        load_problems("gsm8", r.eval, r.data)


def test_missing_local_file_says_where_and_how(tmp_path):
    r = recipe(f"eval.data_dir={tmp_path}")
    with pytest.raises(RecipeError) as e:
        load_problems("math500", r.eval, r.data)
    msg = str(e.value)
    assert "\n" not in msg
    assert str(tmp_path / "math500" / "test.jsonl") in msg  # where it looked
    assert "load_dataset('HuggingFaceH4/MATH-500'" in msg and "unset eval.data_dir" in msg  # how to get it


def test_styles_per_dataset():
    r = recipe()  # data.prompt: xml
    assert [style_for(n, r.eval, r.data) for n in ("gsm8k", "math500", "mathqa", "gsm_symbolic")] == [
        "xml", "boxed", "mathqa", "xml"]  # fmt: skip
    forced = recipe("eval.prompt=metamath")
    assert {style_for(n, forced.eval, forced.data) for n in ("gsm8k", "math500", "mathqa")} == {"metamath"}
    with pytest.raises(RecipeError, match="only mathqa"):
        style_for("gsm8k", recipe("eval.prompt=mathqa").eval, r.data)


def test_messages_carry_the_options_in_every_style(data_dir):
    r = recipe(f"eval.data_dir={data_dir}")
    problem = load_problems("mathqa", r.eval, r.data)[0]
    mathqa = messages_for(problem, "mathqa")
    assert mathqa[-1]["content"] == "what is 9 * 2 ?\nOptions: a) 12, b) 16, c) 18, d) 20, e) 24"
    xml = messages_for(problem, "xml")
    assert xml[0] == {"role": "system", "content": XML_SYSTEM_PROMPT}
    assert xml[-1]["content"].endswith("Options: a) 12, b) 16, c) 18, d) 20, e) 24")
    metamath = messages_for(problem, "metamath")
    assert len(metamath) == 1 and metamath[0]["content"].endswith("### Response: Let's think step by step.")


def test_generated_eval_problems_are_held_out_and_use_the_training_config():
    r = recipe("eval.limit=20")
    test = load_problems("basic_arithmetic", r.eval, r.data)
    assert len(test) == 20
    from grpo_math.data import load_source

    train_src = OmegaConf.merge(r.data.sources.basic_arithmetic, {"size": 200})
    train = {row["question"] for row in load_source("basic_arithmetic", train_src, "xml", seed=r.data.seed)}
    assert not {p.question for p in test} & train  # disjoint from training problems
    # quickstart trains on 2-term, 1-2 digit + and -: the held-out problems are drawn from the same config
    assert all("*" not in p.question and "/" not in p.question for p in test)


def test_shared_data_loads(shared_data):
    r = recipe(f"eval.data_dir={shared_data}", "eval.limit=null")
    sizes = {n: len(load_problems(n, r.eval, r.data)) for n in ("gsm8k", "math500", "mathqa")}
    assert sizes == {"gsm8k": 1319, "math500": 500, "mathqa": 1000}
