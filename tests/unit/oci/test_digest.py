import hashlib

import pytest

from dockyard.errors import InvalidArgument
from dockyard.oci import digest


def test_sha256_digest_matches_hashlib():
    assert digest.sha256_digest(b"abc") == "sha256:" + hashlib.sha256(b"abc").hexdigest()


def test_validate_accepts_well_formed_and_rejects_others():
    good = "sha256:" + "a" * 64
    assert digest.validate(good) == good
    for bad in ["sha256:" + "A" * 64, "sha256:abc", "md5:" + "a" * 32, "a" * 64, ""]:
        with pytest.raises(InvalidArgument):
            digest.validate(bad)


def test_hex_of_and_short_id():
    d = "sha256:" + "0123456789ab" + "c" * 52
    assert digest.hex_of(d) == d[7:]
    assert digest.short_id(d) == "0123456789ab"


def test_chain_ids_follow_the_oci_definition():
    a, b = digest.sha256_digest(b"a"), digest.sha256_digest(b"b")
    assert digest.chain_ids([a, b]) == [a, digest.sha256_digest(f"{a} {b}".encode())]
