"""The vLLM client and server launcher fail clearly and quickly; no vLLM needed."""

from __future__ import annotations

import asyncio
import stat
import sys
import threading
import time

import pytest
from vllm_helpers import completion_answer, fake_server, model_dir, vllm_python  # noqa: F401 (fixtures)

from agentgym.policies.vllm import (
    VLLMClient,
    VLLMNotInstalledError,
    VLLMRequestError,
    VLLMServer,
    VLLMServerError,
    VLLMServerPolicy,
    VLLMUnavailableError,
)
from agentgym.policies.vllm.server import free_port
from agentgym.policy import GenerationRequest, SamplingParams


def _fast_client(url: str, **kw) -> VLLMClient:
    return VLLMClient(url, **{"timeout": 2.0, "max_retries": 2, "backoff": 0.05, "max_backoff": 0.2, **kw})


def test_closed_port_gives_clear_error_after_retries():
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with _fast_client(url) as client:
        started = time.monotonic()
        with pytest.raises(VLLMUnavailableError, match=r"unreachable.*failed 3 time\(s\)"):
            client.completion("m", [1, 2, 3], max_tokens=4)
        assert time.monotonic() - started < 10


def test_policy_on_a_down_server_raises_not_hangs(model_dir):
    url = f"http://127.0.0.1:{free_port()}"
    policy = VLLMServerPolicy(model_dir, base_url=url, served_model_name="m", max_retries=1, request_timeout=2)
    policy.client.aclient.backoff = 0.05
    try:
        started = time.monotonic()
        with pytest.raises(VLLMUnavailableError, match="unreachable"):
            policy.generate([GenerationRequest(messages=[{"role": "user", "content": "hi"}])], SamplingParams(max_new_tokens=4))
        assert time.monotonic() - started < 10
    finally:
        policy.close()


def test_500_is_retried_then_reported(fake_server):
    server = fake_server(lambda method, path, body: (500, {"error": {"message": "engine exploded", "type": "InternalServerError"}}))
    with _fast_client(server.url) as client:
        started = time.monotonic()
        with pytest.raises(VLLMRequestError, match="failed after 3 attempt.*HTTP 500.*engine exploded") as info:
            client.completion("m", [1, 2, 3])
        assert time.monotonic() - started < 10
    assert info.value.status == 500 and info.value.attempts == 3
    assert server.hits == 3  # 1 + max_retries


def test_4xx_fails_at_once_with_the_server_message(fake_server):
    server = fake_server(lambda method, path, body: (400, {"error": {"message": "max_tokens=5000 cannot be greater than max_model_len=2048"}}))
    with _fast_client(server.url) as client:
        with pytest.raises(VLLMRequestError, match="rejected.*HTTP 400.*max_model_len=2048") as info:
            client.completion("m", [1, 2, 3], max_tokens=5000)
    assert info.value.status == 400
    assert server.hits == 1  # no retry on a client error


def test_404_detail_message(fake_server):
    server = fake_server(lambda method, path, body: (404, {"detail": "Not Found"}))
    with _fast_client(server.url) as client:
        with pytest.raises(VLLMRequestError, match="HTTP 404: Not Found"):
            client.post("/no_such_route")


def test_hanging_server_times_out(fake_server):
    release = threading.Event()

    def hang(method, path, body):
        release.wait(10)
        return 200, {}

    server = fake_server(hang)
    try:
        with VLLMClient(server.url, timeout=0.5, max_retries=1, backoff=0.05) as client:
            started = time.monotonic()
            with pytest.raises(VLLMUnavailableError, match="ReadTimeout"):
                client.completion("m", [1])
            assert time.monotonic() - started < 5
    finally:
        release.set()


def test_retry_recovers_from_transient_5xx(fake_server):
    answers = iter([(503, {"error": {"message": "busy"}}), (200, completion_answer([5, 6, 2], [1, 2]))])
    server = fake_server(lambda method, path, body: next(answers))
    with _fast_client(server.url) as client:
        choice = client.completion("m", [1, 2])
    assert choice["token_ids"] == [5, 6, 2] and server.hits == 2


def test_token_ids_sent_as_prompt_and_requested_back(fake_server):
    seen = []

    def handler(method, path, body):
        seen.append(body)
        return 200, completion_answer([7, 2], body["prompt"])

    server = fake_server(handler)
    with _fast_client(server.url) as client:
        client.completion("m", [1, 2, 3], logprobs=5, prompt_logprobs=0, stop_token_ids=[2], seed=3)
    body = seen[0]
    assert body["prompt"] == [1, 2, 3] and body["return_token_ids"] is True and body["return_tokens_as_token_ids"] is True
    assert body["logprobs"] == 5 and body["prompt_logprobs"] == 0 and body["stop_token_ids"] == [2] and body["seed"] == 3


def test_concurrency_is_bounded(fake_server):
    def slow(method, path, body):
        time.sleep(0.1)
        return 200, completion_answer([4, 2], body["prompt"])

    server = fake_server(slow)
    with _fast_client(server.url, max_concurrency=3) as client:
        out = client.completions("m", [[i] for i in range(10)])
    assert [c["prompt_token_ids"] for c in out] == [[i] for i in range(10)]  # in order
    assert server.max_in_flight <= 3


def test_sync_facade_works_inside_a_running_loop_and_threads(fake_server):
    server = fake_server(lambda method, path, body: (200, completion_answer([3, 2], body["prompt"])))
    client = _fast_client(server.url)
    try:

        async def inside_loop():
            return client.completion("m", [1])

        assert asyncio.run(inside_loop())["token_ids"] == [3, 2]
        results = []
        threads = [threading.Thread(target=lambda: results.append(client.completion("m", [1])["token_ids"])) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert results == [[3, 2]] * 4
    finally:
        client.close()


def test_policy_parses_a_vllm_answer(fake_server, model_dir):
    """generate(): ids, logprobs, top-k entropies and finish reasons come from the answer as is."""

    def handler(method, path, body):
        ids = [11, 12, 2] if body["prompt"][-1] % 2 else [11, 12, 13]
        return 200, completion_answer(ids, body["prompt"], "stop" if ids[-1] == 2 else "length")

    server = fake_server(handler)
    policy = VLLMServerPolicy(model_dir, base_url=server.url, served_model_name="m")
    try:
        out = policy.generate([GenerationRequest(messages=[], prompt_ids=[1, 5]), GenerationRequest(messages=[], prompt_ids=[1, 6])], SamplingParams())
    finally:
        policy.close()
    assert [c.token_ids for c in out] == [[11, 12, 2], [11, 12, 13]]
    assert [c.finish_reason for c in out] == ["stop", "length"]
    assert out[0].logprobs == [-0.5] * 3
    assert all(e > 0 for e in out[0].entropies)


def test_policy_refuses_a_re_tokenised_prompt(fake_server, model_dir):
    server = fake_server(lambda method, path, body: (200, completion_answer([2], [1, 999])))
    policy = VLLMServerPolicy(model_dir, base_url=server.url, served_model_name="m")
    try:
        with pytest.raises(Exception, match="token-in"):
            policy.generate([GenerationRequest(messages=[], prompt_ids=[1, 5])], SamplingParams())
    finally:
        policy.close()


# ---------------------------------------------------------------------- the launcher
def test_missing_venv_says_how_to_set_it_up(model_dir, tmp_path):
    with pytest.raises(VLLMNotInstalledError, match="scripts/vllm_env.sh"):
        VLLMServer(model_dir, python=tmp_path / "nope" / "bin" / "python")


def test_missing_venv_from_env_var(model_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTGYM_VLLM_PYTHON", str(tmp_path / "missing-python"))
    with pytest.raises(VLLMNotInstalledError, match="AGENTGYM_VLLM_PYTHON"):
        VLLMServer(model_dir)


def test_server_that_exits_early_reports_its_log(model_dir, tmp_path):
    server = VLLMServer(model_dir, python=sys.executable, startup_timeout=60, log_path=tmp_path / "server.log")  # no vllm here
    started = time.monotonic()
    with pytest.raises(VLLMServerError, match=r"exited with code \d+ during startup(.|\n)*No module named"):
        server.start()
    assert time.monotonic() - started < 30
    assert not server.running


def test_server_that_never_gets_ready_times_out(model_dir, tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'pretending to load a model'\nexec sleep 120\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    server = VLLMServer(model_dir, python=fake, startup_timeout=2, worker_extension_cls=None, log_path=tmp_path / "server.log")
    started = time.monotonic()
    with pytest.raises(VLLMServerError, match=r"did not answer(.|\n)*pretending to load a model"):
        server.start()
    assert time.monotonic() - started < 20
    assert not server.running


def test_server_command_has_the_update_settings(model_dir):
    server = VLLMServer(model_dir, python=sys.executable, port=1234, max_lora_rank=8, max_model_len=1024, weight_transfer_backend="nccl")
    cmd = " ".join(server.command())
    for part in ("-m vllm.entrypoints.openai.api_server", "--enable-lora", "--max-lora-rank 8", "--max-model-len 1024",
                 "--served-model-name smollm2-135m", "--host 127.0.0.1", "--port 1234", "--logprobs-mode processed_logprobs",
                 '--weight-transfer-config {"backend": "nccl"}',
                 "--worker-extension-cls agentgym.policies.vllm.worker_ext.AgentgymWorkerExtension"):  # fmt: skip
        assert part in cmd
    env = server.environment()
    assert env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] == "True" and env["VLLM_SERVER_DEV_MODE"] == "1"
    assert env["VLLM_CPU_KVCACHE_SPACE"] == "1"
