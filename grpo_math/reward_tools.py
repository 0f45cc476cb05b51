"""`grpo-math rewards list | check recipe=NAME | score recipe=NAME FILE.jsonl`, and check_rewards for preflight.

`check` catches the rewards that silently ruin a run: it writes gold completions in exactly the shape the recipe's
prompt asks for (they must get the reward's best score) and feeds a fixed adversarial set (empty, eval bait, huge
powers, megabyte strings, deep nesting, odd unicode, NaN/inf; they must get its worst score). Only correctness and
format rewards are ranked so; shaping rewards and rewards of undeclared kind must only not crash, return numbers
and score in reasonable time (a slow one is a warning: the machine's load must not fail a good run).
"""

import logging
import time
from pathlib import Path

from grpo_math.errors import RecipeError
from grpo_math.prompts import get_prompt_style
from grpo_math.registry import NOT_FORWARDED, list_rewards
from grpo_math.reward_funcs import build_reward_funcs, check_columns, run_settings

SAMPLE_ROWS = 8
SLOW_SECONDS = 1.0  # per adversarial completion: above it, the check warns
JUDGED_KINDS = ("correctness", "format")  # held to "gold scores best, adversarial scores worst"
logger = logging.getLogger(__name__)
# When the recipe's data cannot be sampled (offline hub dataset): integer golds (GSM8K-like) or MathQA letters.
FALLBACK_ROWS = [
    {"question": "Tom has 3 apples and buys 4. How many?", "answer": "7", "solution": "3 + 4 = 7"},
    {"question": "A car costs $1,200 plus $300. Total?", "answer": "1500", "solution": "1200 + 300 = 1500"},
    {"question": "It is 5 degrees and falls by 9. Now?", "answer": "-4", "solution": "5 - 9 = -4"},
    {"question": "Each of 12 boxes holds 6 eggs. Eggs?", "answer": "72", "solution": "12 * 6 = 72"},
]
FALLBACK_CHOICE_ROWS = [
    {"question": "What is 3 * 6?", "options": "a ) 12 , b ) 16 , c ) 18 , d ) 20 , e ) 24", "answer": "c", "solution": "3 * 6 = 18"},
    {"question": "What is 5 + 7?", "options": "a ) 12 , b ) 13 , c ) 14 , d ) 15 , e ) 16", "answer": "a", "solution": "5 + 7 = 12"},
]  # fmt: skip


def adversarial_completions() -> list[tuple[str, str]]:
    """(name, text) pairs no reward should credit; built on call (several are a megabyte). No plausible gold inside."""
    return [
        ("empty", ""),
        ("refusal", "I don't know."),
        ("eval bait", "__import__('os').system('touch /tmp/grpo_math_pwned')"),
        ("exec bait", "getattr(__builtins__, 'exec')('import os')"),
        ("power tower", "9**9**9**9"),
        ("latex power tower", "The answer is 10^10^10^10"),
        ("boxed power tower", "\\boxed{9^{9^{9^{9}}}}"),
        ("huge exponent", "1e999999"),
        ("division by zero", "\\boxed{\\frac{1}{0}}"),
        ("1 MB of digits", "9" * 1_000_000),
        ("1 MB of open tags", "<answer>" * 125_000),
        ("1 MB of reasoning tags", "<reasoning>" * 90_000),
        ("1 MB of prose", "why " * 250_000),
        ("deep brackets", "(" * 100_000 + ")" * 100_000),
        ("deep boxed braces", "\\boxed{" + "{" * 50_000 + "}" * 50_001),
        ("deep fractions", "\\frac{" * 20_000),
        ("sign chain", "-" * 100_000),
        ("unicode lookalikes", "①②③ Ⅻ ½ ²³ 𝔸"),
        ("nan and inf", "nan NaN inf -inf Infinity \\infty"),
        ("control characters", "\x00\x01\x02" * 1000),
        ("lone surrogates", "\ud800\udfff" * 100),
    ]


def sample_rows(data_cfg, n: int = SAMPLE_ROWS) -> list[dict]:
    """A few real problems (gold answers as the data writes them) from the sources available offline: generators
    and local files. Hub datasets are not downloaded for a check: built-in GSM8K-like (or MathQA) rows stand in."""
    from omegaconf import OmegaConf

    from grpo_math.data import get_adapter

    rows: list[dict] = []
    per_source = max(1, n // max(1, len(data_cfg.sources)))
    for name, src in data_cfg.sources.items():
        adapter = get_adapter(src.adapter or name)
        if adapter.hub_id is not None and not src.path:
            continue
        small = OmegaConf.merge(src, {"size": min(src.size or per_source, per_source)})
        for i, record in enumerate(adapter.records(small, data_cfg.seed)):
            if i == per_source:
                break
            rows.append({**record, "source": name})
    if not rows:
        builtin = FALLBACK_CHOICE_ROWS if data_cfg.prompt == "mathqa" else FALLBACK_ROWS
        rows = [dict(r, source="builtin") for r in builtin]
    return rows


def _noop(*args, **kwargs):
    return None


def _call(func, completions: list, rows: list[dict], columns: list[str], completion_ids: list) -> list:
    """Call a reward as GRPOTrainer does: prompts, completions, token ids, the columns, TRL's extras."""
    kwargs = {c: [r.get(c) for r in rows] for c in columns if c not in NOT_FORWARDED}
    out = func(
        prompts=[r.get("prompt") for r in rows],
        completions=completions,
        completion_ids=completion_ids,
        trainer_state=None,
        log_extra=_noop,
        log_metric=_noop,
        **kwargs,
    )
    if len(out) != len(completions):
        raise ValueError(f"returned {len(out)} scores for {len(completions)} completions")
    return list(out)


def _as_trained(texts: list[str], rows: list[dict], columns: list[str], func) -> list:
    """Check-time call: chat-message completions (the recipe's prompts are conversational), UTF-8 bytes as ids.

    Logging is off meanwhile: a reward under test may log whole megabyte inputs (math-verify's timeouts do)."""
    ids = [list(t.encode("utf-8", "replace")) for t in texts]
    logging.disable(logging.CRITICAL)
    try:
        return _call(func, [[{"role": "assistant", "content": t}] for t in texts], rows, columns, ids)
    finally:
        logging.disable(logging.NOTSET)


def reads_text(func) -> bool:
    """Rewards that never see `completions` (length, repetition: token ids only) have no gold to check against."""
    import inspect

    try:
        return "completions" in inspect.signature(func.func).parameters
    except (TypeError, ValueError):
        return True


def _span(scores) -> str:
    values = [s for s in scores if s is not None]
    low, high = (f"{min(values):.3g}", f"{max(values):.3g}") if values else ("-", "-")
    text = low if low == high else f"{low}..{high}"
    return text + (f" ({len(scores) - len(values)} None)" if len(values) < len(scores) else "")


def run_check(recipe, rows: list[dict] | None = None, funcs: list | None = None) -> tuple[list[list[str]], list[str]]:
    """(table rows, failure lines) for every reward of the recipe."""
    style = get_prompt_style(recipe.data.prompt)
    rows = rows if rows is not None else sample_rows(recipe.data)
    for row in rows:
        row.setdefault(
            "prompt", style.messages(row.get("question", ""), **{k: v for k, v in row.items() if k != "question"})
        )
    columns = sorted({k for r in rows for k in r})
    if funcs is None:
        funcs, _ = build_reward_funcs(recipe.rewards, columns, run_settings(recipe))
    else:
        check_columns(funcs, columns)
    gold = [
        style.format_completion(r.get("solution") or "Let me work it out step by step.", str(r["answer"])) for r in rows
    ]
    adversarial = adversarial_completions()
    table, failures = [], []
    for func in funcs:
        name = func.__name__
        if not func.check:
            table.append([name, func.ref, "-", "-", "-", "skipped: check: false"])
            continue
        if not reads_text(func):
            table.append([name, func.ref, "-", "-", "-", "skipped: scores token ids, not text"])
            continue
        try:
            gold_scores = _as_trained(gold, rows, columns, func)
            adv_scores, slowest = [], 0.0
            for _, text in adversarial:
                start = time.perf_counter()
                adv_scores += _as_trained([text], rows[:1], columns, func)
                slowest = max(slowest, time.perf_counter() - start)
        except Exception as e:  # noqa: BLE001 -- a reward that crashes here would crash the run: report it
            failures.append(f"{name}: raised {type(e).__name__}: {e}")
            table.append([name, func.ref, "error", "error", "-", "FAIL"])
            continue
        judged = func.kind in JUDGED_KINDS  # shaping or undeclared: only crashes, non-numbers and latency
        problems = _judge(name, gold, gold_scores, adversarial, adv_scores) if judged else []
        failures += problems
        result = "FAIL" if problems else "ok" if judged else f"ok ({func.kind or 'kind not declared'}: not ranked)"
        if slowest > SLOW_SECONDS:  # a warning, not a failure: a busy machine must not fail a good run
            result += f"; slow: {slowest:.1f} s on one completion"
            logger.warning(f"reward {name}: one adversarial completion took {slowest:.1f} s to score")
        table.append([name, func.ref, _span(gold_scores), _span(adv_scores), f"{slowest * 1000:.1f} ms", result])
    return table, failures


def _judge(name, gold, gold_scores, adversarial, adv_scores) -> list[str]:
    scores = [s for s in gold_scores + adv_scores if s is not None]
    if not scores:
        return [f"{name}: every score is None (is the gold in the column and form this reward reads?)"]
    best, worst = max(scores), min(scores)
    problems = []
    if best == worst:
        problems.append(f"{name}: gold and adversarial completions all score {best}: the reward cannot tell them apart")
    for text, score in zip(gold, gold_scores):
        if score is None or score < best:
            problems.append(f"{name}: a gold completion scores {score}, not the best {best}: {_excerpt(text)}")
    for (label, _), score in zip(adversarial, adv_scores):
        if score is not None and score > worst:
            problems.append(f"{name}: adversarial '{label}' scores {score}, above the worst {worst}")
    return problems


def _excerpt(text: str, n: int = 80) -> str:
    return repr(text if len(text) <= n else text[: n // 2] + " ... " + text[-n // 2 :])


def check_rewards(recipe, rows: list[dict] | None = None, funcs: list | None = None) -> list[str]:
    """Failure lines (empty when every reward scores gold best and the adversarial set worst); for preflight,
    which passes the plan's reward functions (`funcs`) so they are built once."""
    return run_check(recipe, rows, funcs)[1]


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    return "\n".join("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in [header, *rows])


def main_list(argv: list[str]) -> int:
    if argv:
        raise RecipeError(f"rewards list takes no arguments (got {' '.join(argv)})")
    print(format_table(["name", "source", "description"], [list(r) for r in list_rewards()]))
    return 0


def main_check(argv: list[str]) -> int:
    from grpo_math.recipe import load_recipe

    recipe = load_recipe(argv)
    table, failures = run_check(recipe)
    print(f"rewards check: recipe {recipe.name}, prompt style {recipe.data.prompt}")
    print(format_table(["reward", "fn", "gold", "adversarial", "slowest", "result"], table))
    for line in failures:
        print(f"FAIL {line}")
    return 1 if failures else 0


def read_completions(path: str) -> list[dict]:
    """JSONL rows: `completion` (text or chat messages) plus the columns the rewards need (e.g. `answer`)."""
    from grpo_math.data.files import jsonl_records

    rows = []
    for number, row in jsonl_records(path):
        if "completion" not in row:
            raise RecipeError(f"{path} line {number} needs a 'completion' key (and the columns the rewards use)")
        rows.append(row)
    if not rows:
        raise RecipeError(f"{path} has no completions")
    return rows


def main_score(argv: list[str], max_rows: int = 50) -> int:
    from grpo_math.grading import completion_text
    from grpo_math.recipe import load_recipe

    files = [a for a in argv if "=" not in a and not a.startswith("~")]
    if len(files) != 1 or not Path(files[0]).is_file():
        raise RecipeError("usage: grpo-math rewards score recipe=NAME FILE.jsonl (one existing file)")
    recipe = load_recipe([a for a in argv if a not in files])
    rows = read_completions(files[0])
    columns = sorted({k for r in rows for k in r} - {"completion"})
    funcs, weights = build_reward_funcs(recipe.rewards, columns, run_settings(recipe))
    has_ids = "completion_ids" in columns
    used = [(f, w) for f, w in zip(funcs, weights) if has_ids or reads_text(f)]
    texts = [completion_text(r["completion"]) for r in rows]
    completions, ids = [r["completion"] for r in rows], [r.get("completion_ids") or [] for r in rows]
    scores = {f.__name__: _call(f, completions, rows, columns, ids) for f, _ in used}
    total = [sum(w * (scores[f.__name__][i] or 0.0) for f, w in used) for i in range(len(rows))]
    names = [f.__name__ for f, _ in used]
    body = [
        [str(i + 1), *(_fmt(scores[n][i]) for n in names), f"{total[i]:.3f}", _excerpt(texts[i], 60)]
        for i in range(min(len(rows), max_rows))
    ]
    print(format_table(["row", *names, "weighted", "completion"], body))
    if len(rows) > max_rows:
        print(f"... {len(rows) - max_rows} more rows")
    print()
    summary = [[n, f"{w:g}", _mean(scores[n]), _span(scores[n])] for n, w in zip(names, [w for _, w in used])]
    print(
        format_table(
            ["reward", "weight", "mean", "range"], summary + [["weighted total", "", _mean(total), _span(total)]]
        )
    )
    for f in funcs:
        if f.__name__ not in scores:
            print(f"skipped {f.__name__}: it scores token ids; add completion_ids to the file to include it")
    return 0


def _fmt(x) -> str:
    return "None" if x is None else f"{x:.3f}"


def _mean(values) -> str:
    values = [v for v in values if v is not None]
    return f"{sum(values) / len(values):.3f}" if values else "-"
