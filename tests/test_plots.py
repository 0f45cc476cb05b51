"""The PNG of the main curves, drawn from a logged history and eval reports (no training, no W&B)."""

import json

from grpo_math.plots import PNG_NAME, base_points, eval_series, reward_keys, series, write_curves


def history(steps=5):
    entries = []
    for s in range(1, steps + 1):
        entries.append({
            "step": s, "loss": 0.1, "reward": 0.5 + s / 10,
            "rewards/xml_format/mean": s / 10, "rewards/numeric_correctness/mean": s / 20,
            "batch/accuracy": s / 20, "batch/format_rate": s / 10,
            "frac_reward_zero_std": 0.5, "completions/clipped_ratio": 0.2,
            "timing/step_s": 3.0, "timing/generation_s": 2.0, "timing/reward_s": 0.1, "timing/logprobs_s": 0.2,
            "timing/forward_backward_s": 0.6, "timing/optimizer_s": 0.1,
        })  # fmt: skip
    entries.append({"step": steps, "train_runtime": 15.0})  # the end-of-run summary has none of the curves
    return entries


def write_eval(tmp_path, step, stage=None, **accuracy):
    (tmp_path / "eval").mkdir(exist_ok=True)
    report = {
        "model": "m",
        "step": step,
        "datasets": {k: {"accuracy": v, "format_rate": 1.0, "n": 10} for k, v in accuracy.items()},
    }
    if stage:
        report["stage"] = stage
    name = "warm_start.json" if stage == "warm_start" else f"step_{step}.json"
    (tmp_path / "eval" / name).write_text(json.dumps(report))


def test_series_and_reward_keys_read_the_history():
    h = history(3)
    assert reward_keys(h) == ["rewards/xml_format/mean", "rewards/numeric_correctness/mean"]
    assert series(h, "batch/accuracy") == ([1, 2, 3], [0.05, 0.1, 0.15])
    assert series(h, "missing") == ([], [])


def test_eval_series_in_step_order(tmp_path):
    write_eval(tmp_path, 10, gsm8k=0.3, math500=0.1)
    write_eval(tmp_path, 0, gsm8k=0.2)
    (tmp_path / "eval" / "step_20.json").write_text("{not json")  # being written: skipped, not an error
    assert eval_series(tmp_path) == {"gsm8k": ([0, 10], [0.2, 0.3]), "math500": ([10], [0.1])}
    assert base_points(tmp_path) == {}  # no warm start: step 0 is the policy itself


def test_after_a_warm_start_the_line_starts_at_the_warm_start_and_the_base_is_a_marker(tmp_path):
    write_eval(tmp_path, 0, stage="base", gsm8k=0.1)
    write_eval(tmp_path, 0, stage="warm_start", gsm8k=0.5)
    write_eval(tmp_path, 10, gsm8k=0.45)
    assert eval_series(tmp_path) == {"gsm8k": ([0, 10], [0.5, 0.45])}
    assert base_points(tmp_path) == {"gsm8k": 0.1}
    assert write_curves(tmp_path, history()).stat().st_size > 0


def test_png_is_written_with_every_panel(tmp_path):
    write_eval(tmp_path, 0, gsm8k=0.2)
    write_eval(tmp_path, 5, gsm8k=0.4)
    path = write_curves(tmp_path, history())
    assert path == tmp_path / PNG_NAME
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    assert Image.open(path).size == (1200, 720)  # 2 x 2 panels of 600 x 360


def test_partial_history_draws_what_is_there_and_nothing_draws_nothing(tmp_path):
    only_rewards = [{"step": 1, "rewards/xml_format/mean": 0.3}]
    from PIL import Image

    assert Image.open(write_curves(tmp_path, only_rewards)).size == (600, 360)  # one panel
    assert write_curves(tmp_path / "empty", [{"step": 0, "train_runtime": 1.0}]) is None


def test_dynamic_sampling_counts_are_drawn_in_the_signal_panel(tmp_path, monkeypatch):
    from grpo_math import plots

    drawn = {}
    real = plots._signal

    def spy(ax, history, output_dir):
        if ax is not None:
            real(ax, history, output_dir)
            drawn["labels"] = [line.get_label() for line in ax.get_lines()]
            drawn["title"] = ax.get_title()
            drawn["dropped"] = list(ax.get_lines()[2].get_ydata())
            return True
        return real(ax, history, output_dir)

    monkeypatch.setattr(plots, "_signal", spy)
    entries = history(2)
    for e, (dropped, refills) in zip(entries, [(3, 1), (1, 0)]):
        e.update({"dynamic_sampling/groups_generated": 4, "dynamic_sampling/groups_dropped": dropped,
                  "dynamic_sampling/refills": refills, "dynamic_sampling/batch_fill": 1.0})  # fmt: skip
    write_curves(tmp_path, entries)
    assert drawn["labels"][2:] == ["groups dropped (dynamic sampling)", "training batch filled"]
    assert drawn["dropped"] == [0.75, 0.25]
    assert drawn["title"] == "learning signal (refills/step: 0.50)"


def test_the_accuracy_average_is_drawn_and_the_steps_learning_stopped_are_shaded(tmp_path, monkeypatch):
    from grpo_math import plots

    drawn = {}
    real_rewards, real_accuracy = plots._rewards, plots._accuracy

    def spy(real, key):
        def panel(ax, history, output_dir):
            if ax is not None:
                real(ax, history, output_dir)
                drawn[key] = ax
                return True
            return real(ax, history, output_dir)

        return panel

    monkeypatch.setattr(plots, "_rewards", spy(real_rewards, "rewards"))
    monkeypatch.setattr(plots, "_accuracy", spy(real_accuracy, "accuracy"))
    entries = history(5)
    for e in entries[:5]:
        e["batch/accuracy_avg"] = 0.1
        e["alarms/reward_flat"] = float(e["step"] >= 4)
        e["alarms/no_learning_signal"] = 0.0
    write_curves(tmp_path, entries)
    assert "  moving average" in [line.get_label() for line in drawn["accuracy"].get_lines()]
    shaded = [p for p in drawn["rewards"].patches if not p.get_label().startswith("_")]
    assert len(drawn["rewards"].patches) == 2  # steps 4 and 5
    assert [p.get_label() for p in shaded] == ["alarm: reward_flat"]  # one legend entry, however many steps
