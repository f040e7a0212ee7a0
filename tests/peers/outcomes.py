"""A peer suite's junit xml → outcome per test, compared with dockerd's recorded outcomes.

    python -m tests.peers.outcomes JUNIT.xml [--save OUT.json] [--compare BASELINE.json]

Prints the tests that fail here but pass in the baseline (and the reverse), then alone on
the last line `N passed, N failed, N skipped`. A test that errors (setup/teardown) counts as
failed. Stdlib only.
"""

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET


def outcomes(junit: str) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        outcome, reason = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                outcome, reason = "failed", _one_line(child.get("message") or child.text)
                break
            if child.tag == "skipped":
                outcome, reason = "skipped", _one_line(child.get("message"))
        if found.get(name, {}).get("outcome") != "failed":  # a teardown error after a failure
            found[name] = {"outcome": outcome, "reason": reason}
    return found


def _one_line(text: str | None) -> str:
    for line in (text or "").strip().splitlines():
        if line.strip():
            return re.sub(r"\s+", " ", line.strip())[:200]
    return ""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("junit")
    parser.add_argument("--save")
    parser.add_argument("--compare")
    args = parser.parse_args(argv)
    here = outcomes(args.junit)
    if args.save:
        with open(args.save, "w") as out:
            json.dump(here, out, indent=1, sort_keys=True)
            out.write("\n")
    if args.compare:
        with open(args.compare) as f:
            base = json.load(f)
        worse = sorted(t for t, o in here.items()
                       if o["outcome"] == "failed" and base.get(t, {}).get("outcome") == "passed")
        better = sorted(t for t, o in here.items()
                        if o["outcome"] == "passed" and base.get(t, {}).get("outcome") == "failed")
        base_passed = sum(1 for t in here if base.get(t, {}).get("outcome") == "passed")
        print(f"baseline (dockerd): {base_passed} of these tests passed there")
        print(f"fail here, pass on dockerd: {len(worse)}")
        for test in worse:
            print(f"  {test}: {here[test]['reason']}")
        print(f"pass here, fail on dockerd: {len(better)}")
        for test in better:
            print(f"  {test}")
    count = {k: sum(1 for o in here.values() if o["outcome"] == k) for k in ("passed", "failed", "skipped")}
    print(f"{count['passed']} passed, {count['failed']} failed, {count['skipped']} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
