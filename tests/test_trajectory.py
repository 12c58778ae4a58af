"""The Trajectory model: derived facts and lossless serialisation."""

import json

from agentgym.policies import RandomPolicy
from agentgym.policies.fake import FakeTokenPolicy
from agentgym.rollout import RolloutConfig, RolloutEngine
from agentgym.trajectory import StopReason, Trajectory, Turn, read_jsonl, read_parquet, to_parquet, write_jsonl


def _trajectories():
    with RolloutEngine(FakeTokenPolicy(RandomPolicy(seed=2)), RolloutConfig(group_size=2)) as engine:
        groups = engine.run("test/Countdown-v0", [("count-1", 0), ("count-9", 3)])
    return [t for g in groups for t in g]


def test_jsonl_round_trip_is_exact(tmp_path):
    trajs = _trajectories()
    trajs[0].branch_parent = ("abc", 3)
    path = tmp_path / "t.jsonl"
    assert write_jsonl(trajs, path) == 4
    back = read_jsonl(path)
    assert back == trajs
    assert isinstance(back[0].stop_reason, StopReason) and back[0].branch_parent == ("abc", 3)
    assert json.loads(path.read_text().splitlines()[0])["stop_reason"] in {r.value for r in StopReason}


def test_parquet_export_round_trips_and_has_columns(tmp_path):
    import pyarrow.parquet as pq

    trajs = _trajectories()
    path = tmp_path / "t.parquet"
    assert to_parquet(trajs, path) == 4
    table = pq.read_table(path)
    assert {"task_id", "success", "num_turns", "actions", "rewards", "state_keys"} <= set(table.column_names)
    assert table.column("num_turns").to_pylist() == [t.num_turns for t in trajs]
    assert read_parquet(path) == trajs


def test_derived_facts():
    t = Trajectory(env_id="e", task_id="x")
    t.turns = [
        Turn("o0", "a0", reward=0.0, state_key="s0", prompt_ids=[1, 2], action_ids=[3], action_logprobs=[-0.5]),
        Turn("o1", "a1", reward=1.0, state_key="s1", valid_action=False, prompt_ids=[4], action_ids=[5, 6], action_logprobs=[-1.0, -2.0]),
    ]
    assert t.rewards == [0.0, 1.0] and t.total_reward == 1.0 and t.invalid_actions == 1
    assert t.state_keys == ["s0", "s1"]
    s = t.full_sample()
    assert s.input_ids == [1, 2, 3, 4, 5, 6]
    assert s.loss_mask == [0, 0, 1, 0, 1, 1]
    assert s.logprobs == [0.0, 0.0, -0.5, 0.0, -1.0, -2.0]
    assert s.turn_indices == [0, 0, 0, 1, 1, 1]
    assert t.context_ids(1) == [1, 2, 3, 4]


def test_uids_are_unique_and_fixed_width():
    from agentgym.trajectory import new_uid

    uids = [new_uid() for _ in range(3)] + [Trajectory(env_id="e", task_id="x").uid for _ in range(3)]
    assert len(set(uids)) == 6 and {len(u) for u in uids} == {26}
    assert len({u[:16] for u in uids}) == 1  # one per-process prefix, then a counter
    assert [int(u[16:], 16) for u in uids] == sorted(int(u[16:], 16) for u in uids)
