"""The `created` times image configs carry, written as dockerd (Go's encoding/json) writes them."""

from datetime import datetime, timezone

from dockyard.oci.image import parse_created, rfc3339


def test_trailing_zeros_of_the_fraction_are_dropped_as_go_drops_them():
    at = datetime(2026, 12, 7, 12, 12, 14, 565310, tzinfo=timezone.utc)
    assert rfc3339(at) == "2026-12-07T12:12:14.56531Z"
    assert rfc3339(at.replace(microsecond=0)) == "2026-12-07T12:12:14Z"
    assert rfc3339(at.replace(microsecond=7)) == "2026-12-07T12:12:14.000007Z"
    assert parse_created(rfc3339(at)) == at
