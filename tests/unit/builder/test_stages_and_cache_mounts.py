"""The progress of concurrent stages told in Dockerfile order; cache mounts kept, shared and pruned
as BuildKit keeps them; `builder prune` filters."""

import asyncio
import os

import pytest

from dockyard.builder.cache_mounts import CacheMounts
from dockyard.builder.prune_filters import cache_keeper
from dockyard.builder.stage_order import OrderedProgress
from dockyard.errors import InvalidArgument


class _Recorder:
    quiet = False

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *args: self.calls.append((name, *args))


def test_stages_speak_in_dockerfile_order_whoever_runs_first():
    target = _Recorder()
    order = OrderedProgress(target, [0, 2])
    first, second = order.stage(0), order.stage(2)
    second.stage_started(2)
    second.text("b1")                       # stage 2 runs ahead: recorded
    first.stage_started(0)
    first.text("a1")
    assert target.calls == [("stage_started", 0), ("text", "a1")]
    second.text("b2")
    order.finish(0)                         # stage 0 done: stage 2's record is told, then it is live
    second.text("b3")
    assert [c[1] for c in target.calls] == [0, "a1", 2, "b1", "b2", "b3"]
    order.add(1)                            # a stage found while building takes its place
    assert order.stages == {0, 1, 2}


def test_a_failed_build_flushes_every_stage_in_order():
    target = _Recorder()
    order = OrderedProgress(target, [0, 1, 2])
    order.stage(2).text("c")
    order.stage(1).text("b")
    order.flush()
    assert [c[1] for c in target.calls] == ["b", "c"]


def _seed(path):
    os.mkdir(path)


def test_cache_mounts_are_kept_shared_or_private_and_pruned_when_unused(tmp_path):
    async def scenario():
        caches = CacheMounts(str(tmp_path))
        async with caches.use("k", "shared", _seed, "one") as path:
            with open(os.path.join(path, "f"), "w") as f:
                f.write("12345")
            async with caches.use("k", "shared", _seed, "two") as same:
                assert same == path
            async with caches.use("k", "private", _seed, "three") as other:
                assert other != path                       # private: not one another RUN is using
            assert caches.prune() and len(caches.usage()) == 1   # the idle private one went
        (record,) = caches.usage()
        assert (record["Size"], record["InUse"], record["Type"]) == (5, False, "exec.cachemount")
        reopened = CacheMounts(str(tmp_path))             # kept across daemon restarts
        async with reopened.use("k", "private", _seed, "four") as again:
            assert again == path and os.listdir(again) == ["f"]
        assert [r["ID"] for r in reopened.prune()] == [record["ID"]] and reopened.usage() == []
    asyncio.run(scenario())


def test_locked_sharing_waits_for_the_previous_user(tmp_path):
    async def scenario():
        caches = CacheMounts(str(tmp_path))
        events = []

        async def user(name):
            async with caches.use("k", "locked", _seed, name):
                events.append(f"{name} in")
                await asyncio.sleep(0)
                events.append(f"{name} out")
        await asyncio.gather(user("a"), user("b"))
        assert events == ["a in", "a out", "b in", "b out"]
    asyncio.run(scenario())


def test_prune_filters():
    now = 1_000_000.0
    record = {"ID": "abc123", "Type": "exec.cachemount", "Description": "d", "LastUsedAt": now - 3600,
              "Shared": False}
    assert not cache_keeper({}, now)(record)
    assert cache_keeper({"until": ["10m"]}, now)(record) is False
    assert cache_keeper({"unused-for": ["2h"]}, now)(record) is True
    assert cache_keeper({"id": ["zzz"]}, now)(record) and not cache_keeper({"id": ["abc"]}, now)(record)
    assert cache_keeper({"type": ["regular"]}, now)(record)
    with pytest.raises(InvalidArgument, match="invalid duration"):
        cache_keeper({"unused-for": ["soon"]}, now)
