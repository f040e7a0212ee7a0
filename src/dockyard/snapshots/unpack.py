"""A layer tar unpacked into a directory with the one extractor: a stream decompressed, hashed
(or teed to the content store's writer, which hashes what it stores: one sha256 pass) and read
ahead while files are made; a stored tar with large contents copied in the kernel. A layer
unpacked with a tar split (`SPLIT`, beside its `fs`) keeps no copy of its tar: the split and
its files rebuild it (`layer_tar`)."""

from __future__ import annotations

import os

from dockyard.confined import extract
from dockyard.errors import InvalidArgument
from dockyard.snapshots.layer_tar import SPLIT
from dockyard.wire import tar_split, tar_stream

DISPLACED = "displaced"        # files of the tar that a later entry replaced, kept for the split


def unpack_stream(fs: str, stream: tar_stream.ByteReader, tee: tar_stream.DigestSink | None,
                  whiteouts: str, split: bool = False) -> tuple[str, int]:
    """Unpack a layer tar (any supported compression) into `fs`; returns (diff ID, size of file
    contents). With `split`, the tar split is written beside `fs` (no `tee` then). A corrupt or
    truncated stream is InvalidArgument."""
    assert not (split and tee), "a split layer stores no tar"
    hashing: tar_stream.DigestSink | tar_stream.HashingReader
    if tee is not None:
        source: tar_stream.ByteReader = tar_stream.TeeReader(tar_stream.decompressed(stream), tee)
        hashing = tee
    else:
        source = hashing = counted = tar_stream.HashingReader(tar_stream.decompressed(stream))
    ahead = tar_stream.ReadAhead(source)    # inflate, hash and store while files are made
    layer_dir = os.path.dirname(fs)
    try:
        if split:
            with open(os.path.join(layer_dir, SPLIT), "wb") as out:
                recorder = tar_split.Recorder(out, os.path.basename(fs), DISPLACED)
                size = extract.Extractor(fs, extract.Options(whiteouts=whiteouts), recorder=recorder,
                                         side=os.path.join(layer_dir, DISPLACED)).extract(ahead)
                ahead.finish()
                if recorder.size != counted.size:       # every byte is in the split, or none is
                    raise InvalidArgument("invalid layer archive: the tar split lost bytes")
                recorder.finish()
        else:
            size = extract.Extractor(fs, extract.Options(whiteouts=whiteouts)).extract(ahead)
            ahead.finish()
    except tar_stream.STREAM_ERRORS as exc:
        raise InvalidArgument(f"invalid layer archive: {exc}") from None
    finally:
        ahead.close()
    return hashing.digest, size


def unpack_file(fs: str, path: str, whiteouts: str) -> int:
    """Unpack an uncompressed layer tar already stored and verified; the size of its file contents."""
    return extract.Extractor(fs, extract.Options(whiteouts=whiteouts)).extract_file(path)
