"""The W&B run's start: which mode, what report_to becomes, and that W&B trouble never stops the run."""

import socket
import time
from types import SimpleNamespace

import pytest
from omegaconf import OmegaConf

from grpo_math.callbacks.wandb_run import finish_wandb, resolve_mode, start_wandb
from grpo_math.errors import RecipeError
from grpo_math.recipe import load_recipe


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No key, no mode, an empty netrc: what a fresh machine looks like."""
    for var in ("WANDB_MODE", "WANDB_API_KEY", "WANDB_IDENTITY_TOKEN_FILE", "WANDB_BASE_URL", "WANDB_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))
    return monkeypatch


def section(mode=None):
    return OmegaConf.create({"mode": mode})


@pytest.mark.parametrize(
    "mode, env, netrc, expected",
    [
        (None, {}, "", "offline"),  # nothing configured: offline, never a login prompt
        (None, {"WANDB_API_KEY": "k" * 40}, "", "online"),  # a key in the environment
        (None, {}, "machine api.wandb.ai login user password " + "k" * 40, "online"),  # `wandb login` wrote netrc
        (None, {"WANDB_BASE_URL": "http://wandb.local:8080"}, "machine api.wandb.ai login u password p", "offline"),
        (None, {"WANDB_MODE": "disabled", "WANDB_API_KEY": "k"}, "", "disabled"),  # the environment decides
        (None, {"WANDB_MODE": "dryrun"}, "", "offline"),  # wandb's old spelling
        ("offline", {"WANDB_API_KEY": "k" * 40}, "", "offline"),  # the recipe beats a configured key
        ("disabled", {"WANDB_MODE": "online"}, "", "disabled"),  # ... and the environment
    ],
)
def test_mode(clean_env, tmp_path, mode, env, netrc, expected):
    (tmp_path / "netrc").write_text(netrc)
    for key, value in env.items():
        clean_env.setenv(key, value)
    assert resolve_mode(section(mode)) == expected


def test_a_typo_in_mode_names_the_choices(clean_env):
    with pytest.raises(RecipeError, match=r"wandb.mode='ofline' is not one of online, offline, disabled"):
        resolve_mode(section("ofline"))


def recipe_and_config(tmp_path, *overrides, report_to=("wandb",)):
    recipe = load_recipe(["recipe=quickstart", f"trainer.output_dir={tmp_path}", *overrides])
    return recipe, SimpleNamespace(report_to=list(report_to), output_dir=str(tmp_path))


def test_disabled_takes_wandb_out_of_report_to(clean_env, tmp_path):
    recipe, config = recipe_and_config(tmp_path, "wandb.mode=disabled", report_to=("wandb", "tensorboard"))
    assert start_wandb(recipe, config) is None
    assert config.report_to == ["tensorboard"]


def test_no_run_unless_report_to_asks_for_wandb(clean_env, tmp_path):
    recipe, config = recipe_and_config(tmp_path, "wandb.mode=offline", report_to=("tensorboard",))
    assert start_wandb(recipe, config) is None and config.report_to == ["tensorboard"]


def test_only_the_main_process_starts_a_run(clean_env, tmp_path):
    recipe, config = recipe_and_config(tmp_path, "wandb.mode=offline")
    assert start_wandb(recipe, config, is_main_process=False) is None
    assert config.report_to == ["wandb"]  # every rank agrees on report_to; only rank 0 logs


def test_offline_run_carries_the_recipe_as_config(clean_env, tmp_path):
    recipe, config = recipe_and_config(tmp_path, "wandb.mode=offline", "wandb.tags=[smoke]", "wandb.name=my-run")
    run = start_wandb(recipe, config)
    try:
        assert run is not None and run.offline and run.name == "my-run" and list(run.tags) == ["smoke"]
        assert run.config["recipe"]["rewards"]["numeric_correctness"]["weight"] == 2.0
        assert run.dir.startswith(str(tmp_path))  # the run's files live with the rest of the output
    finally:
        finish_wandb()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_unreachable_server_falls_back_to_offline_in_bounded_time(clean_env, tmp_path, caplog):
    clean_env.setenv("WANDB_API_KEY", "bogus" * 8)
    clean_env.setenv("WANDB_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    clean_env.setenv("WANDB_INIT_TIMEOUT", "3")
    recipe, config = recipe_and_config(tmp_path, "wandb.mode=online")
    start = time.monotonic()
    run = start_wandb(recipe, config)
    try:
        assert time.monotonic() - start < 12  # WANDB_INIT_TIMEOUT=3, plus starting wandb twice
        assert run is not None and run.offline  # still logged, to sync later
        assert config.report_to == ["wandb"]
        messages = " | ".join(r.getMessage() for r in caplog.records)
        assert "could not start a online run" in messages and "wandb sync" in messages
    finally:
        finish_wandb()


def test_a_failing_log_warns_once_and_never_raises(monkeypatch, caplog):
    import wandb

    from grpo_math.callbacks import wandb_run

    def broken(*args, **kwargs):
        raise ConnectionError("service gone")

    monkeypatch.setattr(wandb, "run", object())
    monkeypatch.setattr(wandb, "log", broken)
    monkeypatch.setattr(wandb_run, "_log_failed", False)
    wandb_run.log_to_wandb({"alarms/x": 1.0}, step=3)
    wandb_run.log_to_wandb({"alarms/x": 0.0}, step=4)
    assert [r.getMessage() for r in caplog.records] == [
        "W&B: logging failed (ConnectionError: service gone); training goes on"
    ]
