"""The run's main curves as one PNG, `<output_dir>/training_curves.png`, for runs without W&B and for the README.

Drawn from what the run already logged: trainer.state.log_history (TRL's rewards/<name>/mean, reward,
frac_reward_zero_std, completions/clipped_ratio; our batch/* and timing/*) and the in-training evaluations in
`<output_dir>/eval/step_<N>.json`. Four panels, each drawn only when its data is there:

    rewards           each reward function's mean (unweighted, 0..1) and the weighted total; the steps where the
                      reward_flat or no_learning_signal alarm held, shaded
    accuracy          training batches (accuracy and its moving average, format rate), each eval dataset's accuracy
                      from where GRPO starts, and the base model's (x) when the run warm-started
    learning signal   frac_reward_zero_std and the fraction of completions clipped at max length
    time per step     generation / reward / logprobs / forward_backward / optimizer, stacked

matplotlib's object API with the Agg canvas: no pyplot global state, no display needed.
"""

import json
import re
from pathlib import Path

from grpo_math.callbacks.timing import PHASES

PNG_NAME = "training_curves.png"
ALARM_SHADES = {"reward_flat": "red", "no_learning_signal": "grey"}  # the alarms that say learning has stopped
_EVAL_FILE = re.compile(r"step_(\d+)\.json$")


def series(log_history: list[dict], key: str) -> tuple[list[int], list[float]]:
    """(steps, values) of one logged key, skipping logs without it (and None values)."""
    points = [(e["step"], e[key]) for e in log_history if e.get(key) is not None and "step" in e]
    return [p[0] for p in points], [float(p[1]) for p in points]


def reward_keys(log_history: list[dict]) -> list[str]:
    """rewards/<name>/mean keys in first-logged order."""
    keys = {}
    for entry in log_history:
        for key in entry:
            if key.startswith("rewards/") and key.endswith("/mean"):
                keys[key] = None
    return list(keys)


def eval_series(output_dir) -> dict[str, tuple[list[int], list[float]]]:
    """dataset -> (steps, accuracy) of the policy GRPO trains, in step order, from <output_dir>/eval/step_<N>.json.

    With a warm start, eval/step_0.json holds the base model (stage "base") and eval/warm_start.json the model GRPO
    starts from: the line then starts at the warm start, so it shows what GRPO itself did (see `base_points`).
    """
    points: dict[str, dict[int, float]] = {}
    paths = sorted(Path(output_dir, "eval").glob("step_*.json")) + [Path(output_dir, "eval", "warm_start.json")]
    for path in paths:
        report = _read_report(path)
        if report is None or report.get("stage") == "base":
            continue
        match = _EVAL_FILE.search(path.name)
        step = int(report.get("step", match.group(1) if match else 0))
        for name, metrics in (report.get("datasets") or {}).items():
            if metrics.get("accuracy") is not None:
                points.setdefault(name, {})[step] = float(metrics["accuracy"])
    return {name: (sorted(p), [p[s] for s in sorted(p)]) for name, p in points.items()}


def base_points(output_dir) -> dict[str, float]:
    """dataset -> accuracy of the base model before a warm start (eval/step_0.json with stage "base"); {} without."""
    report = _read_report(Path(output_dir, "eval", "step_0.json"))
    if not report or report.get("stage") != "base":
        return {}
    datasets = report.get("datasets") or {}
    return {name: float(m["accuracy"]) for name, m in datasets.items() if m.get("accuracy") is not None}


def _read_report(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # absent, or being written right now: the next plot picks it up


def write_curves(output_dir, log_history: list[dict]) -> Path | None:
    """Draw the PNG into output_dir; None when nothing was logged yet."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    panels = [p for p in (_rewards, _accuracy, _signal, _timing) if p(None, log_history, output_dir)]
    if not panels:
        return None
    cols = 2 if len(panels) > 1 else 1
    rows = (len(panels) + 1) // 2 if cols == 2 else 1
    fig = Figure(figsize=(6 * cols, 3.6 * rows), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    for i, panel in enumerate(panels):
        ax = fig.add_subplot(rows, cols, i + 1)
        panel(ax, log_history, output_dir)
        ax.set_xlabel("step")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    path = Path(output_dir) / PNG_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp)
    tmp.replace(path)  # a README or viewer never sees half a PNG
    return path


# Each panel: with ax=None, say whether it has data; with an ax, draw.
def _rewards(ax, history, output_dir) -> bool:
    keys = reward_keys(history)
    if ax is None:
        return bool(keys)
    for key in keys:
        ax.plot(*series(history, key), label=key.split("/")[1])
    steps, total = series(history, "reward")
    if steps:
        ax.plot(steps, total, "k--", label="total (weighted)")
    for alarm, color in ALARM_SHADES.items():
        held = [s for s, on in zip(*series(history, f"alarms/{alarm}"), strict=True) if on]
        for i, step in enumerate(held):
            ax.axvspan(
                step - 0.5, step + 0.5, color=color, alpha=0.15, lw=0, label=f"alarm: {alarm}" if not i else "_nolegend_"
            )
    ax.set_title("rewards (per function, unweighted)")
    return True


def _accuracy(ax, history, output_dir) -> bool:
    evals, bases = eval_series(output_dir), base_points(output_dir)
    train = {k: series(history, f"batch/{k}") for k in ("accuracy", "accuracy_avg", "format_rate")}
    if ax is None:
        return bool(evals) or any(s for s, _ in train.values())
    styles = {"accuracy": ("-", 0.35, "train batch accuracy"), "accuracy_avg": ("-", 1.0, "  moving average"),
              "format_rate": (":", 0.6, "train batch format_rate")}  # fmt: skip
    for name, (steps, values) in train.items():
        if steps:
            style, alpha, label = styles[name]
            ax.plot(steps, values, style, alpha=alpha, label=label, color="C0" if "accuracy" in name else None)
    for name, (steps, values) in evals.items():
        (line,) = ax.plot(steps, values, "o-", label=f"eval {name}")
        if name in bases:  # where the run began, before the SFT warm start: a marker, not part of GRPO's line
            ax.plot([0], [bases[name]], "x", ms=9, mew=2, color=line.get_color(), label=f"{name}: base model")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("accuracy")
    return True


def _signal(ax, history, output_dir) -> bool:
    keys = {
        "frac_reward_zero_std": "groups with identical rewards",
        "completions/clipped_ratio": "clipped at max length",
    }
    found = {k: series(history, k) for k in keys}
    # dynamic sampling: the share of generated groups dropped for want of a gradient, and how full the batch was
    at = [e for e in history if e.get("dynamic_sampling/groups_generated")]
    if at:
        keys["dropped"], keys["fill"] = "groups dropped (dynamic sampling)", "training batch filled"
        found["dropped"] = (
            [e["step"] for e in at],
            [e["dynamic_sampling/groups_dropped"] / e["dynamic_sampling/groups_generated"] for e in at],
        )
        found["fill"] = series(history, "dynamic_sampling/batch_fill")  # fmt: skip
    if ax is None:
        return any(s for s, _ in found.values())
    for key, (steps, values) in found.items():
        if steps:
            ax.plot(steps, values, label=keys[key], linestyle="--" if key == "fill" else "-")
    ax.set_ylim(-0.02, 1.02)
    refills = series(history, "dynamic_sampling/refills")[1]
    ax.set_title("learning signal" + (f" (refills/step: {sum(refills) / len(refills):.2f})" if refills else ""))
    return True


def _timing(ax, history, output_dir) -> bool:
    steps, _ = series(history, "timing/step_s")
    if ax is None:
        return bool(steps)
    at = {e["step"]: e for e in history if e.get("timing/step_s") is not None}
    layers = [[at[s].get(f"timing/{p}_s") or 0.0 for s in steps] for p in PHASES]
    ax.stackplot(steps, layers, labels=PHASES, alpha=0.8)
    ax.set_ylabel("seconds")
    ax.set_title("time per step")
    return True
