"""The rollout engine: batching, limits, stop reasons, token-in/token-out, context modes, forking."""

import threading
import time

import pytest

from agentgym.policies import OraclePolicy, RandomPolicy, ReplayPolicy
from agentgym.policies.fake import ByteChatTokenizer, FakeTokenPolicy
from agentgym.policy import Completion, SamplingParams
from agentgym.rollout import RolloutConfig, RolloutEngine
from agentgym.trajectory import StopReason, context_ids
from conftest import CountdownEnv

ENV = "test/Countdown-v0"


class CountingPolicy:
    """Records the batch size of every generate call."""

    name = "counting"

    def __init__(self, inner):
        self.inner = inner
        self.batch_sizes = []

    def generate(self, requests, sampling):
        self.batch_sizes.append(len(requests))
        return self.inner.generate(requests, sampling)


def test_one_policy_call_per_step_for_all_live_episodes():
    """Guards against generating episode by episode instead of batching."""
    policy = CountingPolicy(RandomPolicy(seed=0))
    with RolloutEngine(policy, RolloutConfig(group_size=3)) as engine:
        groups = engine.run(ENV, [("count-1", 0), ("count-2", 1)])
    assert [len(g) for g in groups] == [3, 3]
    assert policy.batch_sizes[0] == 6
    assert policy.batch_sizes == sorted(policy.batch_sizes, reverse=True)  # shrinks as episodes end
    assert len(policy.batch_sizes) == max(t.num_turns for g in groups for t in g)


def test_groups_share_task_and_seed_and_oracle_succeeds():
    with RolloutEngine(OraclePolicy(), RolloutConfig(group_size=2)) as engine:
        [group] = engine.run(ENV, [("count-5", 11)])
    assert group.task_id == "count-5" and len({t.group_id for t in group}) == 1
    assert all(t.success and t.stop_reason is StopReason.SUCCESS for t in group)
    assert group.trajectories[0].turns[0].observation == group.trajectories[1].turns[0].observation
    assert group.success_rate == 1.0


def test_step_limit_and_max_turns_give_max_turns():
    with RolloutEngine(ReplayPolicy({f"count-{i}": [] for i in range(20)})) as engine:
        [g] = engine.run(ENV, [("count-0", 0)])  # replays "look": invalid every step
    t = g.trajectories[0]
    assert t.stop_reason is StopReason.MAX_TURNS and t.num_turns == CountdownEnv.default_max_steps
    assert t.invalid_actions == t.num_turns
    with RolloutEngine(RandomPolicy(seed=1), RolloutConfig(max_turns=2)) as engine:
        [g] = engine.run(ENV, ["count-0"])
    assert all(t.num_turns <= 2 for t in g)


def test_env_exception_ends_only_that_episode():
    """Guards against one crashing env killing the whole rollout."""
    def factory(env_id, **kw):
        return CountdownEnv(**kw)

    with RolloutEngine(RandomPolicy(seed=0), RolloutConfig(group_size=2), env_factory=factory) as engine:
        [bad] = engine.run(ENV, ["count-3"], env_kwargs={"flaky_at": 2})
        [good] = engine.run(ENV, ["count-3"])
    for t in bad:
        assert t.stop_reason is StopReason.ENV_ERROR and "simulated env crash" in t.metadata["error"]
        assert t.num_turns == 2
    assert all(t.stop_reason is not StopReason.ENV_ERROR for t in good)


def test_policy_returning_wrong_count_is_a_clear_error():
    class Broken:
        name = "broken"

        def generate(self, requests, sampling):
            return []

    with RolloutEngine(Broken()) as engine, pytest.raises(RuntimeError, match="0 completions for 1 requests"):
        engine.run(ENV, ["count-0"])


def test_full_mode_tokens_are_exactly_the_rendered_chat():
    """Token-in, token-out: the stored ids equal the chat template of the final conversation,
    every prompt the policy saw is a prefix of it, and policy tokens alone carry loss mask 1."""
    policy = FakeTokenPolicy(RandomPolicy(seed=3))
    tok = policy.chat_tokenizer
    with RolloutEngine(policy, RolloutConfig(group_size=2)) as engine:
        groups = engine.run(ENV, [("count-4", 0), ("count-7", 1)])
    for traj in (t for g in groups for t in g):
        sample = traj.full_sample()
        # The conversation without the final observation (nothing follows it to train on).
        expected = tok.render(traj.messages[:-1]) if traj.stop_reason is not StopReason.ENV_ERROR else None
        # render() closes every message with "\n"; the final action ends at its <|im_end|>.
        assert sample.input_ids == expected[:-1]
        policy_ids = [i for i, m in zip(sample.input_ids, sample.loss_mask) if m]
        assert policy_ids == [t for turn in traj.turns for t in turn.action_ids]
        assert sample.logprobs[sample.loss_mask.index(1)] == pytest.approx(-0.1)
        for i in range(traj.num_turns):
            assert sample.input_ids[: len(traj.context_ids(i))] == traj.context_ids(i)
    # What the engine sent equals what the trajectory says it sent.
    first = policy.requests_seen[0]
    assert first.prompt_ids == tok.encode_prompt(first.messages)


def test_truncated_action_is_closed_before_the_observation():
    """Guards against an action cut at max_new_tokens running into the next user message."""
    policy = FakeTokenPolicy(RandomPolicy(seed=0))
    config = RolloutConfig(sampling=SamplingParams(max_new_tokens=3), max_turns=2)
    with RolloutEngine(policy, config) as engine:
        [g] = engine.run(ENV, ["count-1"])
    t = g.trajectories[0]
    assert t.turns[0].finish_reason == "length" and len(t.turns[0].action_ids) == 3
    assert t.turns[1].prompt_ids[0] == ByteChatTokenizer.IM_END


def test_window_mode_context_keeps_opening_and_last_k_turns():
    policy = FakeTokenPolicy(ReplayPolicy({"count-0": ["sub 1"] * 12}))
    config = RolloutConfig(context="window", window=2, max_turns=6)
    with RolloutEngine(policy, config) as engine:
        [g] = engine.run(ENV, ["count-0"])
    t = g.trajectories[0]
    tok = policy.chat_tokenizer
    for i, req in enumerate(policy.requests_seen):
        # messages = system, first obs, then the last 2 (assistant, user) pairs
        assert len(req.messages) == 2 + 2 * min(i, 2)
        assert req.messages[:2] == t.messages[:2]
        assert req.prompt_ids == t.context_ids(i) == context_ids(t.turns, i, "window", 2)
        assert tok.decode(req.prompt_ids).endswith("<|im_start|>assistant\n")
    assert [len(s.input_ids) for s in t.samples()] == [len(t.context_ids(i)) + len(t.turns[i].action_ids) for i in range(6)]
    with pytest.raises(ValueError, match="turn_samples"):
        t.full_sample()


def test_token_budget_stops_with_max_tokens():
    policy = FakeTokenPolicy(ReplayPolicy({"count-0": ["sub 1"] * 12}))
    config = RolloutConfig(max_context_tokens=260, sampling=SamplingParams(max_new_tokens=16))
    with RolloutEngine(policy, config) as engine:
        [g] = engine.run(ENV, ["count-0"])
    t = g.trajectories[0]
    assert t.stop_reason is StopReason.MAX_TOKENS
    assert len(t.full_sample().input_ids) + len(t.turns[-1].prompt_ids) <= 260 + 16


def test_forked_episode_continues_independently():
    with RolloutEngine(FakeTokenPolicy(RandomPolicy(seed=5)), RolloutConfig(group_size=1)) as engine:
        [ep] = engine.start(ENV, [("count-2", 4)])
        engine.step([ep])
        engine.step([ep])
        if ep.done:
            pytest.skip("episode ended before the fork point with this seed")
        child = ep.fork()
        assert child.trajectory.branch_parent == (ep.trajectory.uid, 2)
        assert child.context_ids() == ep.context_ids()
        assert child.env.state_key() == ep.env.state_key()
        engine.run_episodes([ep, child])
    assert ep.trajectory.turns[:2] == child.trajectory.turns[:2]


def test_io_bound_envs_step_on_threads():
    threads = set()

    class IOEnv(CountdownEnv):
        io_bound = True

        def _step(self, action):
            threads.add(threading.current_thread().name)
            return super()._step(action)

    with RolloutEngine(RandomPolicy(seed=0), RolloutConfig(group_size=4), env_factory=lambda _id, **kw: IOEnv(**kw)) as engine:
        engine.run(ENV, ["count-1"])
    assert any(name.startswith("agentgym-env") for name in threads)


def test_io_bound_envs_reset_concurrently_and_in_order():
    """Browser envs spend most of an episode in reset: the engine overlaps them."""
    lock = threading.Lock()
    state = {"in_reset": 0, "most": 0}

    class SlowResetEnv(CountdownEnv):
        io_bound = True

        def reset(self, *, seed=None, options=None):
            with lock:
                state["in_reset"] += 1
                state["most"] = max(state["most"], state["in_reset"])
            time.sleep(0.2)
            try:
                return super().reset(seed=seed, options=options)
            finally:
                with lock:
                    state["in_reset"] -= 1

    with RolloutEngine(OraclePolicy(), RolloutConfig(group_size=2), env_factory=lambda _id, **kw: SlowResetEnv(**kw)) as engine:
        groups = engine.run(ENV, ["count-1", "count-2", "count-3"])
    assert state["most"] >= 2
    assert [g.task_id for g in groups] == ["count-1", "count-2", "count-3"]
    assert all(t.success for g in groups for t in g)


def test_envs_are_reused_across_runs():
    made = []

    def factory(env_id, **kw):
        made.append(1)
        return CountdownEnv(**kw)

    with RolloutEngine(OraclePolicy(), RolloutConfig(group_size=2), env_factory=factory) as engine:
        engine.run(ENV, ["count-1"])
        engine.run(ENV, ["count-2"])
    assert len(made) == 2


class _InfoEnv:
    """A bare env (no TextEnv) whose info has the keys the engine drops plus ``extra``; it runs
    3 steps and raises on step ``crash_at`` if given."""

    io_bound = False

    def __init__(self, extra=None, crash_at=None):
        self.extra = dict(extra or {})
        self.crash_at = crash_at
        self.steps = 0

    def _info(self):
        info = {"success": False, "valid_action": True, "state_key": f"s{self.steps}", "task_id": "t", "split": "train"}
        info.update({"step": self.steps, "admissible_actions": ["a"], "answer": "x", "tools": []})
        info.update(self.extra)
        return info

    def reset(self, seed=None, options=None):
        self.steps = 0
        return "obs 0", self._info()

    def step(self, action):
        if self.crash_at == self.steps + 1:
            raise RuntimeError("crash")
        self.steps += 1
        return f"obs {self.steps}", 0.5, False, self.steps >= 3, self._info()

    def close(self):
        pass

    @property
    def unwrapped(self):  # the replay policy reads task_id and steps here
        return self

    task_id = "t"


@pytest.mark.parametrize("extra", [{}, {"task_type": "pick", "note": 3}])
def test_turn_info_keeps_the_other_keys_in_order_in_a_dict_of_its_own(extra):
    envs = []

    def factory(env_id, **kw):
        envs.append(_InfoEnv(extra))
        return envs[-1]

    with RolloutEngine(ReplayPolicy({"t": []}), env_factory=factory) as engine:
        [[traj]] = engine.run("info", ["t"])
    assert traj.stop_reason is StopReason.MAX_TURNS and traj.num_turns == 3
    assert [t.info for t in traj.turns] == [extra] * 3
    assert all(list(t.info) == list(extra) for t in traj.turns)  # the env's key order
    assert len({id(t.info) for t in traj.turns}) == 3  # no dict shared between turns
    assert [t.state_key for t in traj.turns] == ["s0", "s1", "s2"]  # the state each action was taken in
    assert [t.observation for t in traj.turns] == ["obs 0", "obs 1", "obs 2"] and traj.final_observation == "obs 3"
    assert traj.rewards == [0.5] * 3 and traj.split == "train" and traj.metadata["answer"] == "x"
    traj.turns[0].info["added"] = 1  # a turn's info is a copy: neither the env's nor another turn's
    assert "added" not in traj.turns[1].info and "added" not in envs[0]._info()


def test_step_skips_ended_episodes_and_an_env_error_ends_only_its_own():
    envs = iter([_InfoEnv(), _InfoEnv(crash_at=2), _InfoEnv()])
    with RolloutEngine(ReplayPolicy({"t": []}), RolloutConfig(group_size=3), env_factory=lambda *a, **k: next(envs)) as engine:
        episodes = engine.start("info", ["t"])
        assert engine.step(episodes) == []
        assert engine.step(episodes) == [episodes[1]]
        crashed = episodes[1].trajectory
        assert crashed.stop_reason is StopReason.ENV_ERROR and "crash" in crashed.metadata["error"]
        assert crashed.num_turns == 2 and crashed.turns[1].valid_action is False and crashed.turns[1].info == {}
        assert [ep.trajectory.num_turns for ep in episodes] == [2, 2, 2]
        assert engine.step(episodes) == [episodes[0], episodes[2]]  # the ended one is left alone
        assert [ep.trajectory.num_turns for ep in episodes] == [3, 2, 3]
        assert engine.step(episodes) == []


def test_no_env_kwargs_and_empty_env_kwargs_share_the_env_pool():
    made = []

    def factory(env_id, **kw):
        made.append(1)
        return CountdownEnv(**kw)

    with RolloutEngine(OraclePolicy(), env_factory=factory) as engine:
        engine.run(ENV, ["count-1"])
        engine.run(ENV, ["count-2"], env_kwargs={})
        engine.run(ENV, ["count-3"], env_kwargs={"max_steps": 5})
    assert len(made) == 2


def test_a_run_leaves_the_collectors_settings_and_a_programs_frozen_objects_alone():
    """The engine raises the young generation's threshold while it runs and moves what it kept
    to the oldest generation at the end; the caller's thresholds come back, and objects the
    program froze itself stay frozen."""
    import gc

    from agentgym.policies import OraclePolicy

    engine = RolloutEngine(OraclePolicy(), RolloutConfig(group_size=2))
    before = gc.get_threshold()
    groups = engine.run("agentgym/HouseholdEasy-v0", ["train-00001", "train-00002"])
    assert gc.get_threshold() == before
    assert gc.get_count()[0] < 100  # the run's records were promoted, not left young
    assert all(t.success for g in groups for t in g)
    frozen = [object() for _ in range(3)]
    gc.freeze()
    try:
        count = gc.get_freeze_count()
        engine.run("agentgym/HouseholdEasy-v0", ["train-00003"])
        assert gc.get_freeze_count() > 0.9 * count and frozen  # not thawed (frees may drop a few)
    finally:
        gc.unfreeze()
    engine.close()
