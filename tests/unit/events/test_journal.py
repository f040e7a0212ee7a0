import asyncio
import time

from dockyard.events.journal import EventJournal
from dockyard.events.model import Event, matches


def collect(journal, since, until, filters=None):
    async def run():
        return [e async for e in journal.stream(since, until, filters or {})]
    return asyncio.run(run())


def test_events_survive_a_restart(tmp_path):
    journal = EventJournal(tmp_path / "events.jsonl")
    start = time.time_ns()
    journal.emit("container", "create", "abc", {"name": "web", "image": "busybox"})
    journal.emit("image", "tag", "sha256:1", {"name": "x:1"})
    journal.close()
    reopened = EventJournal(tmp_path / "events.jsonl")
    events = collect(reopened, start, time.time_ns())
    assert [(e.type, e.action) for e in events] == [("container", "create"), ("image", "tag")]
    assert collect(reopened, start, time.time_ns(), {"type": ["image"]})[0].actor_id == "sha256:1"


def test_journal_stays_bounded(tmp_path):
    path = tmp_path / "events.jsonl"
    journal = EventJournal(path, limit=10)
    for i in range(35):
        journal.emit("volume", "create", f"v{i}")
    assert len(path.read_text().splitlines()) <= 20
    journal.close()
    assert [e.actor_id for e in collect(EventJournal(path, limit=10), 0, time.time_ns())][-1] == "v34"


def test_live_events_reach_subscribers(tmp_path):
    journal = EventJournal(tmp_path / "events.jsonl")

    async def run():
        until = time.time_ns() + 300_000_000
        task = asyncio.ensure_future(_gather(journal.stream(None, until, {"event": ["die"]})))
        await asyncio.sleep(0.05)
        journal.emit("container", "start", "c1")
        journal.emit("container", "die", "c1", {"exitCode": "0"})
        return await task

    assert [e.action for e in asyncio.run(run())] == ["die"]


async def _gather(stream):
    return [e async for e in stream]


def test_legacy_fields_and_filters():
    event = Event("container", "die", "c1", {"name": "web", "image": "busybox", "exitCode": "3"}, 5_000_000_000)
    body = event.to_json()
    assert (body["status"], body["id"], body["from"], body["time"]) == ("die", "c1", "busybox", 5)
    assert matches(event, {"container": ["web"], "event": ["die"]})
    assert not matches(event, {"type": ["network"]})
    assert matches(event, {"label": ["name=web", "image=busybox"]})
    assert not matches(event, {"label": ["name=web", "image=alpine"]})  # every label must match
    assert Event("container", "exec_start: sh ", "c1").to_json()["Action"] == "exec_start: sh "
    assert matches(Event("container", "exec_start: sh ", "c1"), {"event": ["exec_start"]})
