"""The public surface re-exported from ``agentgym`` stays what users import."""

import agentgym

EXPECTED = {
    "TextEnv", "TextSpace", "TaskSet", "StepInfo", "StepOutcome", "REQUIRED_INFO_KEYS", "state_hash",
    "register", "make", "spec", "registered_envs", "EnvSpec", "run_checks", "CheckReport",
    "Policy", "ChatTokenizer", "GenerationRequest", "Completion", "SamplingParams",
    "RolloutEngine", "RolloutConfig", "Episode", "Trajectory", "Turn", "Group", "StopReason",
    "write_jsonl", "read_jsonl", "to_parquet", "read_parquet", "evaluate", "summarize", "__version__",
}


def test_all_is_exactly_the_public_surface():
    """Guards against an export silently added or dropped."""
    assert set(agentgym.__all__) == EXPECTED
    for name in agentgym.__all__:
        assert hasattr(agentgym, name), name


def test_public_objects_are_documented():
    for name in agentgym.__all__:
        obj = getattr(agentgym, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
