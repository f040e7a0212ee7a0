"""critest (cri-tools' CRI validation suite) against a CRI endpoint, results per spec.

As a command, it runs the whole conformance suite against containerd (the baseline) or a fresh
dockyardd, each with the stand-in images of tests.support.cri_images, and writes the results:

    python -m tests.support.critest containerd --out /tmp/critest-containerd.json
    python -m tests.support.critest dockyard --out /tmp/critest-dockyard.json
    python -m tests.support.critest compare /tmp/critest-containerd.json /tmp/critest-dockyard.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support import cri_images
from tests.support.registry import Registry

TOOLS = Path(__file__).resolve().parents[2] / ".tools" / "bin"


def tool(name: str) -> str | None:
    """critest or crictl, as scripts/cri-tools builds them (or on the PATH)."""
    path = TOOLS / name
    return str(path) if path.exists() else shutil.which(name)


def run_critest(endpoint: str, workdir: Path, focus: list[str] = (), skip: list[str] = (),
                extra: list[str] = (), timeout: float = 3600) -> dict[str, str]:
    """Run critest; returns {spec name: "passed" | "failed" | "skipped" | ...}."""
    workdir.mkdir(parents=True, exist_ok=True)
    images = workdir / "test-images.yaml"
    images.write_text(cri_images.test_images_file())
    report = workdir / "critest-report.json"
    command = [tool("critest"), f"--runtime-endpoint={endpoint}", f"--image-endpoint={endpoint}",
               f"--test-images-file={images}", "--ginkgo.no-color", f"--ginkgo.json-report={report}",
               *[f"--ginkgo.focus={f}" for f in focus], *[f"--ginkgo.skip={s}" for s in skip], *extra]
    with open(workdir / "critest.log", "wb") as log:
        subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, cwd=workdir)
    return parse_report(report)


def parse_report(path: Path) -> dict[str, str]:
    results = {}
    for suite in json.loads(path.read_text()):
        for spec in suite.get("SpecReports") or []:
            if spec.get("LeafNodeType") != "It":
                continue
            name = " ".join([*spec.get("ContainerHierarchyTexts", []), spec.get("LeafNodeText", "")])
            results[name] = spec.get("State", "")
    return results


def _containerd(workdir: Path) -> dict[str, str]:
    from tests.support.containerd import PrivateContainerd
    registry = Registry(workdir / "registry").start()
    try:
        cri_images.push_all(registry.address)
        runtime = PrivateContainerd(workdir / "containerd", registry.address).start()
        try:
            return run_critest(runtime.endpoint, workdir / "run")
        finally:
            runtime.remove()
    finally:
        registry.remove()


def _dockyard(workdir: Path) -> dict[str, str]:
    from tests.support.cri_stack import CriStack
    stack = CriStack(workdir).start()
    try:
        return run_critest(stack.endpoint, workdir / "run")
    finally:
        stack.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("runtime", choices=("containerd", "dockyard", "compare"))
    parser.add_argument("files", nargs="*")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.runtime == "compare":
        return compare(*[json.loads(Path(f).read_text()) for f in args.files])
    workdir = Path(tempfile.mkdtemp(prefix=f"critest-{args.runtime}-"))
    results = (_containerd if args.runtime == "containerd" else _dockyard)(workdir)
    counts = {state: list(results.values()).count(state) for state in sorted(set(results.values()))}
    print(json.dumps(counts), f"(logs in {workdir})")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1, sort_keys=True))
    return 0


def compare(baseline: dict[str, str], ours: dict[str, str]) -> int:
    """Print the specs the baseline passes and we do not; exit 1 when there are any."""
    missing = sorted(name for name, state in baseline.items() if state == "passed" and ours.get(name) != "passed")
    for name in missing:
        print(f"{ours.get(name, 'absent'):8} {name}")
    passed = sum(1 for state in ours.values() if state == "passed")
    print(f"{passed} passed here; {len(missing)} of the baseline's "
          f"{sum(1 for s in baseline.values() if s == 'passed')} passes missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
