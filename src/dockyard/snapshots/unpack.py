"""A layer tar unpacked into a directory with the one extractor: a stream decompressed, hashed
(or teed to the content store's writer, which hashes what it stores: one sha256 pass) and read
ahead while files are made; a stored tar with large contents copied in the kernel."""

from __future__ import annotations

from dockyard.confined import extract
from dockyard.errors import InvalidArgument
from dockyard.wire import tar_stream


def unpack_stream(fs: str, stream: tar_stream.ByteReader, tee: tar_stream.DigestSink | None,
                  whiteouts: str) -> tuple[str, int]:
    """Unpack a layer tar (any supported compression) into `fs`; returns (diff ID, size of file
    contents). A corrupt or truncated stream is InvalidArgument."""
    source: tar_stream.ByteReader = tar_stream.decompressed(stream)
    hashing: tar_stream.DigestSink | tar_stream.HashingReader
    if tee is not None:
        source, hashing = tar_stream.TeeReader(source, tee), tee
    else:
        source = hashing = tar_stream.HashingReader(source)
    ahead = tar_stream.ReadAhead(source)    # inflate, hash and store while files are made
    try:
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
