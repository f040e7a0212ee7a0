from dataclasses import dataclass

from bench.runner import run_workload
from bench.target import complaint
from bench.workload import Unavailable, Workload


@dataclass
class FakeTarget:
    name: str


def test_runs_interleave_and_failures_stay_on_their_target():
    calls = []

    def run(target, state):
        calls.append(target.name)
        if target.name == "dockyard" and len(calls) > 2:
            raise Unavailable("docker exec: page not found")
        return {"dockyard": 1.0, "dockerd": 2.0}[target.name]

    workload = Workload("w", "docker w", run, rounds=3, warmup=1)
    result = run_workload(workload, [FakeTarget("dockyard"), FakeTarget("dockerd")],
                          progress=lambda message: None)
    assert calls == ["dockyard", "dockerd", "dockyard", "dockerd", "dockerd", "dockerd"]
    assert result.outcomes["dockyard"].failure == "docker exec: page not found"
    assert result.outcomes["dockerd"].samples == [2.0, 2.0, 2.0]
    assert result.ratio is None


def test_setup_failure_skips_runs_and_teardown_of_that_target():
    torn_down = []

    def setup(target):
        if target.name == "dockyard":
            raise RuntimeError("no image")
        return "state"

    workload = Workload("w", "docker w", lambda t, s: 1.0, setup=setup,
                        teardown=lambda t, s: torn_down.append((t.name, s)), rounds=2, warmup=0)
    result = run_workload(workload, [FakeTarget("dockyard"), FakeTarget("dockerd")],
                          progress=lambda message: None)
    assert result.outcomes["dockyard"].failure == "RuntimeError: no image"
    assert result.outcomes["dockerd"].samples == [1.0, 1.0]
    assert torn_down == [("dockerd", "state")]


def test_notes_returned_by_a_run_are_kept():
    workload = Workload("cap", "cap", lambda t, s: (12.0, "container 13 failed: no space"),
                        unit="count", rounds=1, warmup=0)
    result = run_workload(workload, [FakeTarget("dockyard")], progress=lambda message: None)
    assert result.outcomes["dockyard"].samples == [12.0]
    assert result.outcomes["dockyard"].notes == ["container 13 failed: no space"]


def test_complaint_picks_the_daemon_message():
    stderr = ("docker: Error response from daemon: page not found\n\n"
              "Run 'docker run --help' for more information\n")
    assert complaint(stderr) == "page not found"
    assert complaint("") == "no error message"


def test_complaint_puts_the_error_before_informational_lines():
    stderr = ("Unable to find image 'busybox:latest' locally\n"
              "docker: Error response from daemon: pull access denied for busybox\n\n"
              "Run 'docker run --help' for more information\n")
    assert complaint(stderr) == ("pull access denied for busybox / "
                                 "Unable to find image 'busybox:latest' locally")


def test_complaint_skips_the_classic_builder_banner():
    stderr = ("DEPRECATED: The legacy builder is deprecated and will be removed in a future release.\n"
              "            BuildKit is currently disabled; enable it by removing the DOCKER_BUILDKIT=0\n"
              "            environment-variable.\n\n"
              "Sending build context to Docker daemon  35.33kB\n"
              "Error response from daemon: page not found\n")
    assert complaint(stderr) == "page not found"
