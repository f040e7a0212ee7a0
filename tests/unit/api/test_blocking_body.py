"""The request body as a blocking file for worker threads: every byte in order, and the loop's
read-ahead held to BODY_DEPTH chunks until the worker catches up (then woken, not polled)."""

import asyncio
import time

from dockyard.api.blocking import BODY_DEPTH, BlockingBody


def test_a_body_of_many_chunks_arrives_whole_while_the_read_ahead_stays_bounded():
    chunks = [bytes([i % 251]) * (100 + i % 7) for i in range(BODY_DEPTH * 5)]
    produced = []

    async def source():
        for chunk in chunks:
            produced.append(len(chunk))
            yield chunk

    def worker(body: BlockingBody) -> tuple[bytes, int]:
        time.sleep(0.2)                 # the loop reads ahead meanwhile, up to its bound
        ahead = len(produced)
        data = bytearray()
        while piece := body.read(333):
            data += piece
        return bytes(data), ahead

    async def main():
        body = BlockingBody(source(), asyncio.get_running_loop())
        return await asyncio.to_thread(worker, body)

    data, ahead = asyncio.run(main())
    assert data == b"".join(chunks)
    assert BODY_DEPTH <= ahead <= BODY_DEPTH + 1
