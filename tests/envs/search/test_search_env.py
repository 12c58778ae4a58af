"""SearchEnv: tool calls, scoring, the oracle, and the ground truth kept out of the observations."""

from __future__ import annotations

import json

import pytest

import agentgym
from agentgym.envs.search import SearchEnv
from agentgym.envs.search.scoring import normalize_answer
from agentgym.envs.tools.calls import ToolCall, format_tool_calls


def _call(name: str, **arguments) -> str:
    return format_tool_calls([ToolCall(name, arguments)])


def _play_oracle(env: SearchEnv, task_id: str) -> tuple[dict, list[str]]:
    obs, info = env.reset(seed=0, options={"task": task_id})
    observations = [obs]
    while True:
        obs, reward, terminated, truncated, info = env.step(env.oracle_action())
        observations.append(obs)
        if terminated or truncated:
            return info | {"reward": reward}, observations


@pytest.fixture(scope="module")
def env():
    return SearchEnv(split="test")


def test_registered_and_made_through_gymnasium() -> None:
    import gymnasium

    assert "agentgym/Search-v0" in agentgym.registered_envs()  # loads the registry into gymnasium's
    made = gymnasium.make("agentgym/Search-v0")
    assert isinstance(made.unwrapped, SearchEnv)
    assert agentgym.spec("agentgym/Search-v0").summary()


def test_reset_is_deterministic_per_task(env) -> None:
    other = SearchEnv(split="test")
    for task in ("test-00000", "test-00031", "test-01000"):
        a, b = env.reset(seed=3, options={"task": task}), other.reset(seed=9, options={"task": task})
        assert a[0] == b[0] and a[1]["state_key"] == b[1]["state_key"] and a[1]["answer"] == b[1]["answer"]
    assert env.reset(seed=0, options={"task": "test-00000"})[0] != env.reset(seed=0, options={"task": "test-00001"})[0]


def test_the_oracle_answers_every_test_question_and_many_train_ones() -> None:
    """Guards against unanswerable questions and bridge entities the search cannot reach."""
    results = {}
    for split, count in (("test", None), ("train", 600)):
        env = SearchEnv(split=split)
        ids = list(env.task_set.ids(split))[:count]
        wins = 0
        for task in ids:
            info, _ = _play_oracle(env, task)
            wins += info["success"] and info["exact_match"] == 1.0 and info["reward"] == 1.0
        results[split] = (wins, len(ids))
    assert results["test"] == (results["test"][1], results["test"][1]) and results["test"][1] >= 1000
    assert results["train"] == (600, 600)


def test_the_oracle_reads_from_the_results_not_the_stored_answer() -> None:
    """With passages cut to 40 characters the facts are not shown, so an oracle that uses the
    search results must fail (one that answered from the ground truth would still win)."""
    env = SearchEnv(split="test", max_passage_chars=40)
    wins = sum(_play_oracle(env, f"test-{i:05d}")[0]["success"] for i in range(27))
    assert wins == 0


def test_the_answer_never_appears_before_the_agent_searches(env) -> None:
    """The ground truth is in info["answer"] for the trainer, never in what the policy reads
    (unless it retrieved a passage stating it)."""
    bad_actions = ["", "search[", _call("answer_now", text="x"), '{"tool_calls": 3}', _call("search", query=" ")]
    for i in range(0, 1055, 5):
        obs, info = env.reset(seed=0, options={"task": f"test-{i:05d}"})
        answer = normalize_answer(info["answer"])
        assert answer and f" {answer} " not in f" {normalize_answer(obs)} "
        for action in bad_actions:
            obs, _, _, _, info = env.step(action)
            assert f" {answer} " not in f" {normalize_answer(obs)} "
            assert info["answer"] == env.task.answer


def test_search_shows_k_titled_passages(env) -> None:
    env.reset(seed=0, options={"task": "test-00000"})
    obs, reward, terminated, truncated, info = env.step(_call("search", query=info_question(env)))
    [block] = [line for line in obs.splitlines() if line.startswith("{")]
    response = json.loads(block)
    assert response["name"] == "search" and len(response["result"]) == 3
    assert all(set(p) == {"title", "text"} for p in response["result"])
    assert info["valid_action"] and info["tool_calls"] == 1 and info["tool_calls_valid"] == 1
    assert reward == 0.0 and not terminated and not truncated
    wide = SearchEnv(split="test", k=7)
    wide.reset(seed=0, options={"task": "test-00000"})
    obs = wide.step("search[" + info_question(wide) + "]")[0]
    assert len(json.loads([line for line in obs.splitlines() if line.startswith("{")][0])["result"]) == 7


def info_question(env: SearchEnv) -> str:
    return env.dataset.questions.get(env.split, int(env.task_id.rpartition("-")[2])).text


@pytest.mark.parametrize(
    "action, says",
    [
        ('<tool_call>{"name": "search", "arguments": {"query": "x"</tool_call>', "bad JSON"),
        (_call("lookup", query="Kesh"), "unknown tool 'lookup'"),
        (_call("search"), "'query' is a required property"),
        (_call("search", query=5), "is not of type 'string'"),
        (_call("search", query="Kesh", k=10), "Additional properties"),
        (_call("search", query="word " * 200), "at most 500"),
        (_call("search", query="   "), "the query is empty"),
        ("what is the capital?", "no tool call or answer found"),
        ("search[]", "the query is empty"),
    ],
)
def test_malformed_tool_calls_get_error_observations(env, action, says) -> None:
    env.reset(seed=0, options={"task": "test-00003"})
    obs, reward, terminated, truncated, info = env.step(action)
    assert says in obs
    assert not terminated and reward == 0.0
    if "tool call or answer" not in says and "query is" not in says and "at most" not in says:
        assert info["valid_action"] is False
    assert "exact_match" not in info


@pytest.mark.parametrize("reward_kind", ["em", "f1"])
def test_partial_answers_score_by_em_or_f1(reward_kind) -> None:
    env = SearchEnv(split="test", reward=reward_kind)
    # test-00011 is a river-mouth question: the answer is "<Word> Sea", two tokens.
    _, info = env.reset(seed=0, options={"task": "test-00011"})
    word, sea = info["answer"].split()
    assert sea == "Sea"
    obs, reward, terminated, _, info = env.step(_call("answer", text=f"the {word}"))
    # prediction "<word>" vs truth "<word> sea": P = 1, R = 1/2, F1 = 2/3; EM = 0
    assert terminated and info["exact_match"] == 0.0 and info["f1"] == pytest.approx(2 / 3)
    assert reward == (0.0 if reward_kind == "em" else pytest.approx(2 / 3))
    assert not info["success"]


def test_short_forms_and_answer_tags_end_the_episode(env) -> None:
    for finish in ("answer[{}]", "<answer>{}</answer>", '<tool_call>{{"name": "answer", "arguments": {{"text": "{}"}}}}</tool_call>'):
        _, info = env.reset(seed=0, options={"task": "test-00006"})
        obs, reward, terminated, _, info = env.step(finish.format(info["answer"].upper() + "."))
        assert terminated and reward == 1.0 and info["success"] and info["exact_match"] == 1.0


def test_a_fork_mid_episode_continues_like_the_original(env) -> None:
    env.reset(seed=0, options={"task": "test-00021"})  # a three-hop question
    assert env.task.metadata["hops"] == 3
    env.step(env.oracle_action())
    fork = env.fork()
    assert fork.state_key() == env.state_key()
    while not env.done:
        action = env.oracle_action()
        assert fork.oracle_action() == action
        assert fork.step(action)[:4] == env.step(action)[:4]
    assert env.success and fork.success


def test_state_key_depends_on_what_was_found_not_the_order() -> None:
    a, b = SearchEnv(split="test"), SearchEnv(split="test")
    for e in (a, b):
        e.reset(seed=0, options={"task": "test-00001"})
    a.step("search[Kesh]"), a.step("search[capital]")
    b.step("search[capital]"), b.step("search[Kesh]")
    assert a.state_key() == b.state_key()
    b.step("search[river]")
    assert a.state_key() != b.state_key()


def test_bad_constructor_arguments_say_what_is_expected() -> None:
    with pytest.raises(ValueError, match="k .passages per search"):
        SearchEnv(k=0)
    with pytest.raises(ValueError, match="reward must be one of"):
        SearchEnv(reward="bleu")
    with pytest.raises(KeyError, match="unknown split"):
        SearchEnv(split="dev")


def test_the_oracle_also_wins_with_openai_tool_calls() -> None:
    env = SearchEnv(split="test", oracle_format="openai")
    env.reset(seed=0, options={"task": "test-00021"})
    assert env.oracle_action().startswith('{"tool_calls"')
    wins = sum(_play_oracle(env, f"test-{i:05d}")[0]["success"] for i in range(27))  # one per template
    assert wins == 27
