"""Evaluation problems by dataset name: GSM8K, MATH-500, MathQA (hub or `<data_dir>/<name>/test.jsonl`) and the
offline generators on their held-out split.

Every dataset becomes a list of `Problem`s with the gold answer and, for multiple choice, the options; which
prompt style a dataset is asked in is decided here too, so evaluation and training ask the same way.
"""

from dataclasses import dataclass, field
from pathlib import Path

from omegaconf import OmegaConf

from grpo_math.errors import RecipeError, did_you_mean
from grpo_math.grading import parse_options
from grpo_math.prompts import get_prompt_style, options_text, with_system_prompt

GENERATED_SIZE = 200  # held-out problems made per generator when eval.limit is unset


@dataclass(frozen=True)
class Problem:
    question: str
    gold: str  # a number/expression, or the correct option's letter for multiple choice
    options: dict = field(default_factory=dict)  # letter -> option text; empty for free-form answers


@dataclass(frozen=True)
class EvalDataset:
    name: str
    hub: str | None  # "id" or "id:config"; None = generated offline
    default_style: str | None  # None = the recipe's data.prompt (the style the policy is trained in)
    how_to_get: str = ""  # one command that writes <data_dir>/<name>/test.jsonl


EVAL_DATASETS = {
    d.name: d
    for d in (
        EvalDataset("gsm8k", "openai/gsm8k:main", None,
                    "datasets.load_dataset('openai/gsm8k', 'main', split='test').to_json('{path}')"),
        EvalDataset("math500", "HuggingFaceH4/MATH-500", "boxed",
                    "datasets.load_dataset('HuggingFaceH4/MATH-500', split='test').to_json('{path}')"),
        EvalDataset("mathqa", "regisss/math_qa", "mathqa",  # allenai/math_qa's parquet mirror (datasets>=4: no scripts)
                    "datasets.load_dataset('regisss/math_qa', split='test').to_json('{path}')"),
    )
}  # fmt: skip


def get_eval_dataset(name: str) -> EvalDataset:
    """A public test set above, or any registered dataset (grpo_math.datasets: the generators, a plugin's) asked on
    its held-out `test` split, drawn with the training source's config."""
    if name in EVAL_DATASETS:
        return EVAL_DATASETS[name]
    from grpo_math import plugins

    if name in plugins.names("datasets"):
        return EvalDataset(name, None, None)
    known = sorted(set(EVAL_DATASETS) | set(plugins.names("datasets")))
    raise RecipeError(f"unknown eval dataset {name!r}{did_you_mean(name, known)}; available: {', '.join(known)}")


def style_for(name: str, eval_cfg, data_cfg) -> str:
    """eval.prompt when set, else the dataset's own style (boxed for MATH, mathqa for MathQA), else data.prompt."""
    style = eval_cfg.prompt or get_eval_dataset(name).default_style or data_cfg.prompt
    if "{options}" in get_prompt_style(style).user_template and name != "mathqa":
        raise RecipeError(f"prompt style {style!r} asks for options, and {name} has none (only mathqa does): "
                          f"unset eval.prompt, or evaluate mathqa alone with it")  # fmt: skip
    return style


def load_problems(name: str, eval_cfg, data_cfg) -> list[Problem]:
    """The first eval.limit test problems of dataset `name`."""
    dataset = get_eval_dataset(name)
    limit = eval_cfg.limit
    if dataset.hub is None:
        return _generated(name, data_cfg, limit or GENERATED_SIZE)
    rows = _rows(dataset, eval_cfg.data_dir, limit)
    return [_LOADERS[name](row) for row in rows]


def messages_for(problem: Problem, style: str, system_prompt: str | None = None) -> list[dict]:
    """Chat messages asking `problem` in `style`, its system turn replaced by `system_prompt` when given.
    Multiple-choice options always reach the model: the mathqa style has a slot for them; any other style gets them
    appended to the question."""
    prompt_style = get_prompt_style(style)
    options = options_text(problem.options)
    if "{options}" in prompt_style.user_template:  # style_for let only multiple-choice datasets here
        return with_system_prompt(prompt_style.messages(problem.question, options=options), system_prompt)
    question = f"{problem.question}\nOptions: {options}" if options else problem.question
    return with_system_prompt(prompt_style.messages(question), system_prompt)


def local_file(name: str, data_dir: str | None) -> Path | None:
    """`<data_dir>/<name>/test.jsonl` for a hub dataset when eval.data_dir is set; a one-line error when missing."""
    dataset = get_eval_dataset(name)
    if not data_dir or dataset.hub is None:
        return None
    path = Path(data_dir).expanduser() / name / "test.jsonl"
    if not path.is_file():
        get = dataset.how_to_get.format(path=path)
        raise RecipeError(
            f"eval dataset {name}: no {path} (eval.data_dir={data_dir}); write it once with "
            f'`python -c "import datasets; {get}"`, or unset eval.data_dir to read {dataset.hub.split(":")[0]}'
        )
    return path


def _rows(dataset: EvalDataset, data_dir: str | None, limit: int | None):
    import datasets

    path = local_file(dataset.name, data_dir)
    if path is not None:
        ds = datasets.load_dataset("json", data_files={"test": str(path)}, split="test")
    else:
        hub_id, _, config = dataset.hub.partition(":")
        try:
            ds = datasets.load_dataset(hub_id, config or None, split="test")
        except Exception as e:  # noqa: BLE001 (offline, missing, renamed, gated: each is the same fix)
            raise RecipeError(
                f"cannot load {hub_id} test split ({str(e).splitlines()[0][:120]}): check the network/HF_HUB_OFFLINE, "
                f"or set eval.data_dir to a folder holding {dataset.name}/test.jsonl"
            ) from None
    return ds.select(range(min(limit, len(ds)))) if limit else ds


def _gsm8k(row) -> Problem:
    from grpo_math.data.gsm8k import split_gsm8k_answer

    return Problem(row["question"], split_gsm8k_answer(row["answer"])[1])


def _math500(row) -> Problem:
    return Problem(row["problem"], row["answer"])


def _mathqa(row) -> Problem:
    # The hub copy capitalises `Problem`; the shared jsonl does not.
    question = row.get("problem") or row.get("Problem")
    options = parse_options(row["options"])  # the same reading as the multiple_choice reward
    gold = row["correct"].strip().lower()
    if len(options) != 5 or gold not in options:
        raise RecipeError(
            f"mathqa row {question[:60]!r}: expected options a-e and a correct letter, got {row['options']!r}"
        )
    return Problem(question, gold, options)


_LOADERS = {"gsm8k": _gsm8k, "math500": _math500, "mathqa": _mathqa}


def _generated(name: str, data_cfg, size: int) -> list[Problem]:
    """A registered dataset's held-out split, drawn with the training source's config (the difficulty it trains on)."""
    from grpo_math.data.adapters import get_adapter

    same = [src for key, src in data_cfg.sources.items() if (src.adapter or key) == name]
    config = OmegaConf.to_container(same[0].config, resolve=True) if same else {}
    source = OmegaConf.create({"adapter": name, "path": None, "split": "test", "size": size, "config": config})
    rows = get_adapter(name).records(source, data_cfg.seed)
    return [
        Problem(r["question"], str(r["answer"]), parse_options(r["options"]) if r.get("options") else {}) for r in rows
    ]
