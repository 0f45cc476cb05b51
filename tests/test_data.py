"""Data adapters on small in-memory/tmp fixtures: columns, gold extraction, held-out splits, one-line errors."""

import json
from fractions import Fraction

import pytest
from omegaconf import OmegaConf

from grpo_math.data import build_dataset, load_source, source_columns
from grpo_math.data.arithmetic_solver import solve_steps
from grpo_math.data.generators import is_held_out
from grpo_math.data.gsm8k import split_gsm8k_answer
from grpo_math.errors import RecipeError
from grpo_math.prompts import XML_SYSTEM_PROMPT


def source(**kw):
    base = {"adapter": None, "path": None, "split": "train", "size": None, "config": {}}
    return OmegaConf.create({**base, **kw})


def data_cfg(sources, **kw):
    base = {
        "sources": sources,
        "prompt": "xml",
        "system_prompt": None,
        "seed": 3,
        "max_prompt_length": None,
        "shuffle": True,
    }
    return OmegaConf.create({**base, **kw})


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


GSM8K_ROWS = [
    {"question": "Tom has 3 apples and buys 4. How many?", "answer": "He has 3+4=<<3+4=7>>7.\n#### 7"},
    {"question": "A car costs $1,200 plus $300. Total?", "answer": "1200+300=<<1200+300=1500>>1500\n#### 1,500"},
]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a=<<1+1=2>>2\n#### 2", ("a=2", "2")),  # calculator annotation removed
        ("so 1,000 total\n#### 1,000", ("so 1,000 total", "1000")),  # thousands separator stripped from gold
        ("x\n#### -3", ("x", "-3")),  # negative gold
    ],
)
def test_split_gsm8k_answer(text, expected):
    assert split_gsm8k_answer(text) == expected


def test_gsm8k_from_local_jsonl(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", GSM8K_ROWS)
    ds = load_source("gsm8k", source(path=path), "xml")
    assert ds["answer"] == ["7", "1500"]
    assert ds[0]["prompt"] == [
        {"role": "system", "content": XML_SYSTEM_PROMPT},
        {"role": "user", "content": GSM8K_ROWS[0]["question"]},
    ]
    assert "<<" not in ds[0]["solution"]
    assert set(ds.column_names) == source_columns(data_cfg({"gsm8k": source()}))


def test_system_prompt_override(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", GSM8K_ROWS)
    ds = load_source("gsm8k", source(path=path), "xml", system_prompt="Be brief.")
    assert ds[0]["prompt"][0] == {"role": "system", "content": "Be brief."}


@pytest.mark.parametrize(
    "rows, message",
    [
        ([{"question": "q"}], r"lacks column\(s\) answer"),  # missing column
        ([{"question": "q", "answer": "no hash line"}], "has no .#### <number>. line"),  # not GSM8K-formatted
    ],
)
def test_bad_gsm8k_files(tmp_path, rows, message):
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(RecipeError, match=message):
        load_source("gsm8k", source(path=path), "xml")


def test_missing_empty_and_unreadable_files(tmp_path):
    with pytest.raises(RecipeError, match="does not exist"):
        load_source("gsm8k", source(path=str(tmp_path / "nope.jsonl")), "xml")
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(RecipeError, match=r"use a \.jsonl"):
        load_source("gsm8k", source(path=str(tmp_path / "x.txt")), "xml")
    (tmp_path / "broken.jsonl").write_text('{"question": "1+1?", "answer": "#### 2"}\n{not json\n')
    with pytest.raises(RecipeError, match="broken.jsonl line 2 is not valid JSON"):
        load_source("gsm8k", source(path=str(tmp_path / "broken.jsonl")), "xml")
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(RecipeError, match="empty.jsonl is empty"):
        load_source("gsm8k", source(path=str(tmp_path / "empty.jsonl")), "xml")
    (tmp_path / "blank.jsonl").write_text("\n\n")
    with pytest.raises(RecipeError, match="blank.jsonl has no records"):
        load_source("gsm8k", source(path=str(tmp_path / "blank.jsonl")), "xml")


def test_unknown_adapter_suggests():
    with pytest.raises(RecipeError, match="did you mean gsm8k"):
        load_source("gsm8kk", source(), "xml")


def test_generators_train_and_test_never_overlap():
    small = {"min_terms": 2, "max_terms": 2, "min_digits": 1, "max_digits": 1}
    train = load_source("basic_arithmetic", source(size=300, config=small), "xml", seed=1)
    test = load_source("basic_arithmetic", source(size=30, split="test", config=small), "xml", seed=1)
    assert len(train) == 300 and len(test) == 30
    assert not set(train["question"]) & set(test["question"])
    assert all(is_held_out(q) for q in test["question"])


def test_generators_are_deterministic_by_seed():
    a = load_source("gsm_symbolic", source(size=5), "xml", seed=7)
    b = load_source("gsm_symbolic", source(size=5), "xml", seed=7)
    assert a["question"] == b["question"]
    assert all(ans.lstrip("-").replace(".", "").isdigit() for ans in a["answer"])
    assert all("####" not in s for s in a["solution"])


def test_bad_generator_config_is_one_line():
    with pytest.raises(RecipeError, match="bad data.sources.basic_arithmetic.config"):
        load_source("basic_arithmetic", source(size=3, config={"max_termz": 2}), "xml")


def test_mix_of_sources_is_shuffled_and_complete():
    ds = build_dataset(data_cfg({"basic_arithmetic": source(size=20), "gsm_symbolic": source(size=10)}))
    assert len(ds) == 30
    assert sorted(set(ds["source"])) == ["basic_arithmetic", "gsm_symbolic"]
    assert ds["source"][:20] != ["basic_arithmetic"] * 20  # shuffled by seed


@pytest.mark.parametrize(
    "expression, steps, value",
    [
        ("5 - 3 - 6", ["5 - 3 = 2", "2 - 6 = -4"], -4),  # left to right
        ("( 56 + -33 ) - 84", ["56 + -33 = 23", "23 - 84 = -61"], -61),  # parentheses first
        ("2 + 3 * 4", ["3 * 4 = 12", "2 + 12 = 14"], 14),  # precedence
        ("-( -3 * 4 ) / 2", ["-3 * 4 = -12", "-(-12) = 12", "12 / 2 = 6"], 6),  # negating a result is a step
    ],
)
def test_arithmetic_solver(expression, steps, value):
    assert solve_steps(expression) == (steps, Fraction(value))


def test_solver_agrees_with_reasoning_gym():
    ds = load_source("basic_arithmetic", source(size=200), "xml", seed=11)
    for row in ds:
        last = row["solution"].splitlines()[-1]
        assert last.split(" = ")[-1] == row["answer"], (row["question"], row["solution"])


def test_real_gsm8k_train_file(shared_data):
    ds = load_source("gsm8k", source(path=f"{shared_data}/gsm8k/train.jsonl", size=50), "xml")
    assert len(ds) == 50 and all(a.lstrip("-").replace(".", "").isdigit() for a in ds["answer"])


@pytest.mark.parametrize(
    "expression, steps",
    [
        ("47 + 38", ["47 + 38 = 47 + 30 + 8 = 77 + 8 = 85"]),  # tens first, then ones
        ("92 - 73", ["92 - 73 = 92 - 70 - 3 = 22 - 3 = 19"]),
        ("31 - 73", ["31 - 73 = -(73 - 31) = -(73 - 30 - 1) = -(43 - 1) = -42"]),  # below zero: the reverse, negated
        ("7 - 9", ["7 - 9 = -(9 - 7) = -2"]),  # one digit: one step
        ("40 + 6", ["40 + 6 = 46"]),
        ("36 + 30", ["36 + 30 = 66"]),  # whole tens: one step
        ("( 56 + -33 ) - 84", ["56 + -33 = 23", "23 - 84 = -(84 - 23) = -(84 - 20 - 3) = -(64 - 3) = -61"]),
        ("3 * 4 - 5", ["3 * 4 = 12", "12 - 5 = 7"]),  # products stay one line
    ],
)
def test_place_value_steps(expression, steps):
    value = solve_steps(expression)[1]
    assert solve_steps(expression, "place_value") == (steps, value)


@pytest.mark.parametrize(
    "expression, steps",
    [
        ("47 + 38", ["ones: 7 + 8 = 15, carry 1", "tens: 4 + 3 + 1 = 8", "47 + 38 = 85"]),
        ("99 + 99", ["ones: 9 + 9 = 18, carry 1", "tens: 9 + 9 + 1 = 19", "99 + 99 = 198"]),  # the last carry stays
        ("7 + 47", ["ones: 7 + 7 = 14, carry 1", "tens: 0 + 4 + 1 = 5", "7 + 47 = 54"]),  # a missing digit is 0
        ("62 - 27", ["ones: 12 - 7 = 5, borrow 1", "tens: 6 - 1 - 2 = 3", "62 - 27 = 35"]),
        ("73 - 68", ["ones: 13 - 8 = 5, borrow 1", "tens: 7 - 1 - 6 = 0", "73 - 68 = 5"]),
        (
            "100 - 1",
            ["ones: 10 - 1 = 9, borrow 1", "tens: 10 - 1 - 0 = 9, borrow 1", "hundreds: 1 - 1 - 0 = 0", "100 - 1 = 99"],
        ),  # a borrow through a zero
        ("5 - 73", ["5 - 73 = -(73 - 5)", "ones: 13 - 5 = 8, borrow 1", "tens: 7 - 1 - 0 = 6", "5 - 73 = -68"]),
        ("6 - 8", ["6 - 8 = -(8 - 6)", "ones: 8 - 6 = 2", "6 - 8 = -2"]),
        (
            "( 56 + -33 ) - 84",
            ["56 + -33 = 23", "23 - 84 = -(84 - 23)", "ones: 4 - 3 = 1", "tens: 8 - 2 = 6", "23 - 84 = -61"],
        ),  # a negative term stays one line
        ("3 * 4 - 5", ["3 * 4 = 12", "ones: 12 - 5 = 7, borrow 1", "tens: 1 - 1 - 0 = 0", "12 - 5 = 7"]),
    ],
)
def test_column_steps(expression, steps):
    assert solve_steps(expression, "column") == (steps, solve_steps(expression)[1])


def test_column_steps_are_all_one_digit_facts_that_add_up():
    import random

    rng = random.Random(0)
    for _ in range(2000):
        a, b, op = rng.randint(0, 9999), rng.randint(0, 9999), rng.choice("+-")
        steps, value = solve_steps(f"{a} {op} {b}", "column")
        assert steps[-1] == f"{a} {op} {b} = {value}"
        for line in steps:
            if ": " in line:
                sum_text, result = line.split(": ")[1].split(", ")[0].split(" = ")
                terms = [int(t) for t in sum_text.replace(" - ", " + -").split(" + ")]
                assert all(abs(t) <= 19 for t in terms) and sum(terms) == int(result), line


def test_solution_steps_is_ours_not_reasoning_gyms():
    from omegaconf import OmegaConf

    from grpo_math.data.generators import BASIC_ARITHMETIC

    config = {"min_terms": 2, "max_terms": 2, "min_digits": 2, "max_digits": 2, "operators": ["-"]}
    source = OmegaConf.create({"split": "train", "size": 5, "config": {**config, "solution_steps": "place_value"}})
    plain = OmegaConf.create({"split": "train", "size": 5, "config": config})
    rows, same = list(BASIC_ARITHMETIC.records(source, 1)), list(BASIC_ARITHMETIC.records(plain, 1))
    assert [r["question"] for r in rows] == [r["question"] for r in same]  # the same problems, other solutions
    assert all(r["solution"].rsplit(" = ", 1)[1] == r["answer"] for r in rows)
    assert any(r["solution"].count("=") >= 3 for r in rows)
    assert all(line.count("=") == 1 for r in same for line in r["solution"].splitlines())
    bad = OmegaConf.create({"split": "train", "size": 5, "config": {**config, "solution_steps": "digits"}})
    with pytest.raises(
        RecipeError, match="solution_steps='digits' must be one of one_line, place_value, column, mixed"
    ):
        list(BASIC_ARITHMETIC.records(bad, 1))


def test_mixed_solution_steps_work_each_problem_one_way_whatever_the_order():
    from omegaconf import OmegaConf

    from grpo_math.data.generators import BASIC_ARITHMETIC

    config = {"min_terms": 2, "max_terms": 2, "min_digits": 2, "max_digits": 2, "operators": ["+", "-"],
              "allow_parentheses": False, "allow_negation": False}  # fmt: skip

    def solutions(style, size=60):
        source = OmegaConf.create({"split": "train", "size": size, "config": {**config, "solution_steps": style}})
        return {r["question"]: r["solution"] for r in BASIC_ARITHMETIC.records(source, 1)}

    mixed, one_line, tens_first = solutions("mixed"), solutions("one_line"), solutions("place_value")
    from_one_line = [q for q in mixed if mixed[q] == one_line[q] != tens_first[q]]
    from_tens_first = [q for q in mixed if mixed[q] == tens_first[q] != one_line[q]]
    assert all(mixed[q] in (one_line[q], tens_first[q]) for q in mixed)
    assert len(from_one_line) >= 10 and len(from_tens_first) >= 10  # both methods, about half each
    fewer = solutions("mixed", size=25)  # drawn in other batches: a problem is still worked the same way
    assert set(fewer) & set(mixed) and all(fewer[q] == mixed[q] for q in set(fewer) & set(mixed))
    assert solutions(["one_line", "place_value"]) == mixed
    column = solutions("column")
    three = solutions(["one_line", "place_value", "column"], size=90)
    for way in (one_line, tens_first, column):
        assert sum(three[q] == way[q] for q in set(three) & set(way)) >= 10
    with pytest.raises(RecipeError, match=r"solution_steps=\['column', 'digits'\] must be one of"):
        solutions(["column", "digits"])


def test_different_seeds_draw_different_problems():
    """reasoning-gym seeds item i with seed + i: before seeds were hashed, the quickstart's GRPO problems (seed 42)
    were all among its cold start's (seed 7), so GRPO only ever practised problems the SFT had taught."""
    config = {"min_terms": 2, "max_terms": 2, "min_digits": 1, "max_digits": 2, "operators": ["+", "-"],
              "allow_parentheses": False, "allow_negation": False}  # fmt: skip
    grpo = load_source("basic_arithmetic", source(size=400, config=config), "xml", seed=42)
    sft = load_source("basic_arithmetic", source(size=960, config=config), "xml", seed=7)
    questions = [set(grpo["question"]), set(sft["question"])]
    # by chance the two draws share the small problems (a 1-digit term is half the draws: "0 + 1" recurs), ~150 of
    # 400 here; when the streams were shifted copies of each other, all 400
    assert len(questions[0] & questions[1]) < 200
