"""`critest --benchmark` against dockyardd's CRI and Debian's containerd 1.6, side by side.

Both serve critest's stand-in images from one local registry through their mirrors and put
pods on the same CNI plugins. Rounds alternate A B A B; each round is one critest benchmark
run (pod, container and image life cycles, image listing), and every operation's median over
all samples of all rounds is reported with the ratio dockyard/containerd.

    python -m bench.cri                       # 3 rounds each, 20 pods/containers, 10 images
    python -m bench.cri --rounds 1 --markdown
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.containerd import PrivateContainerd, containerd_missing  # noqa: E402
from tests.support.cri_stack import CriStack, missing  # noqa: E402
from tests.support.critest import run_critest  # noqa: E402

FILES = {"pod_benchmark_data.json": "pod", "container_benchmark_data.json": "container",
         "image_benchmark_data.json": "image", "image_listing_benchmark_data.json": "image list"}


def params(count: int, images: int) -> str:
    return (f"containersNumber: {count}\ncontainersNumberParallel: 1\npodsNumber: {count}\npodsNumberParallel: 1\n"
            f"imagesNumber: {images}\nimagesNumberParallel: 1\n"
            f"imagePullingBenchmarkImage: registry.k8s.io/e2e-test-images/busybox:1.29-2\n"
            "imageListingBenchmarkImages:\n  - registry.k8s.io/e2e-test-images/busybox:1.29-2\n"
            "  - registry.k8s.io/e2e-test-images/nginx:1.14-2\n")


def one_round(endpoint: str, workdir: Path, count: int, images: int) -> dict[str, list[int]]:
    """operation → durations (ns) of one critest benchmark run."""
    workdir.mkdir(parents=True)
    (workdir / "params.yaml").write_text(params(count, images))
    output = workdir / "out"
    output.mkdir()
    run_critest(endpoint, workdir, extra=["--benchmark", f"--benchmarking-params-file={workdir / 'params.yaml'}",
                                         f"--benchmarking-output-dir={output}"], timeout=3600)
    samples: dict[str, list[int]] = {}
    for name, family in FILES.items():
        path = output / name
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        for point in data.get("datapoints") or []:
            for operation, duration in zip(data["operationsNames"], point["operationsDurationsNs"]):
                samples.setdefault(f"{family}: {operation}", []).append(duration)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=20, help="pods and containers per round")
    parser.add_argument("--images", type=int, default=10, help="image pulls per round")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    reason = missing() or containerd_missing()
    if reason:
        print(f"bench.cri: {reason}", file=sys.stderr)
        return 1
    base = Path(tempfile.mkdtemp(prefix="bench-cri-"))
    stack = CriStack(base / "dockyard").start()
    containerd = PrivateContainerd(base / "containerd", stack.registry.address, subnet="10.232.0.0/16",
                                   bridge="bcri-ctrd0").start()
    results: dict[str, dict[str, list[int]]] = {"dockyard": {}, "containerd": {}}
    try:
        for index in range(args.rounds):
            for name, endpoint in (("dockyard", stack.endpoint), ("containerd", containerd.endpoint)):
                started = time.monotonic()
                for operation, durations in one_round(endpoint, base / f"{name}-{index}", args.count, args.images).items():
                    results[name].setdefault(operation, []).extend(durations)
                print(f"round {index + 1} {name}: {time.monotonic() - started:.0f} s", file=sys.stderr)
    finally:
        containerd.remove()
        stack.stop()
    report(results, args)
    return 0


def report(results: dict, args) -> None:
    print(f"critest --benchmark, {args.rounds} rounds each ({args.count} pods and containers, {args.images} "
          f"image pulls per round), medians:")
    if args.markdown:
        print("\n| operation | dockyard | containerd 1.6 | ratio |\n|---|---|---|---|")
    for operation in sorted(set(results["dockyard"]) | set(results["containerd"])):
        ours, theirs = (statistics.median(results[n][operation]) / 1e6 if results[n].get(operation) else None
                        for n in ("dockyard", "containerd"))
        ratio = f"{ours / theirs:.2f}×" if ours and theirs else "n/a"
        cells = [f"{v:.1f} ms" if v is not None else "n/a" for v in (ours, theirs)]
        if args.markdown:
            print(f"| {operation} | {cells[0]} | {cells[1]} | {ratio} |")
        else:
            print(f"{operation:32} {cells[0]:>10} {cells[1]:>10} {ratio:>7}")


if __name__ == "__main__":
    sys.exit(main())
