import os
import re
from pathlib import Path

import pytest
from hypothesis import settings

TESTS = Path(__file__).resolve().parent
# No per-example deadline: up to 8 test runs share 2 cores here, and a property is about what
# the code returns, not how fast a loaded machine runs it (bench/ measures speed).
settings.register_profile("dockyard", deadline=None)
settings.load_profile("dockyard")
_DEFINES_TESTS = re.compile(r"^\s*(async\s+)?def test_", re.MULTILINE)


def pytest_collection_modifyitems(config, items):
    if os.geteuid() == 0:
        return
    if os.environ.get("DOCKYARD_TEST_STRICT"):
        raise pytest.UsageError("DOCKYARD_TEST_STRICT: the suite must run as root (tests marked root would be skipped)")
    skip = pytest.mark.skip(reason="needs root (namespaces, mounts, cgroups)")
    for item in items:
        if "root" in item.keywords:
            item.add_marker(skip)


def pytest_collection_finish(session):
    """A run of the whole suite collects every file that defines tests (pytest silently skips
    folders named build, dist, venv, ...)."""
    if [Path(arg).resolve() for arg in session.config.args] != [TESTS] or session.config.option.keyword:
        return
    defined = {p for p in TESTS.rglob("test_*.py") if _DEFINES_TESTS.search(p.read_text())}
    collected = {Path(str(item.path)).resolve() for item in session.items}
    missing = sorted(str(p.relative_to(TESTS)) for p in defined - collected)
    if missing:
        raise pytest.UsageError(f"test files never collected: {', '.join(missing)}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (DOCKYARD_TEST_STRICT) a test that needs root may not skip itself: CI has root and
    every tool scripts/setup installs, so a skip there hides a test that never ran."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("DOCKYARD_TEST_STRICT") and report.skipped and "root" in item.keywords \
            and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in strict mode (CI): {report.longrepr}"
