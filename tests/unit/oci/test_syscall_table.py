from pathlib import Path

import pytest

from dockyard.oci.syscall_table import X86_64
from dockyard.oci.syscall_table_gen import DEFAULT_HEADER, parse_unistd


def test_known_numbers():
    assert (X86_64["read"], X86_64["execve"], X86_64["clone3"]) == (0, 59, 435)


def test_table_matches_the_kernel_header():
    header = Path(DEFAULT_HEADER)
    if not header.exists():
        pytest.skip("kernel UAPI headers (linux-libc-dev) not installed")
    assert parse_unistd(header.read_text()) == X86_64
