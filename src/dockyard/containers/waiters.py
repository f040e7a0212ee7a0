"""`POST /containers/{id}/wait`: futures resolved at the next exit or at removal."""

import asyncio
from collections import defaultdict
from dataclasses import dataclass


@dataclass
class WaitResult:
    status_code: int
    error: str | None = None

    def to_json(self) -> dict:
        return {"Error": {"Message": self.error} if self.error else None, "StatusCode": self.status_code}


class Waiters:
    def __init__(self):
        self._exit: dict[str, list[asyncio.Future]] = defaultdict(list)
        self._removed: dict[str, list[asyncio.Future]] = defaultdict(list)

    def next_exit(self, container_id: str) -> asyncio.Future:
        return self._add(self._exit, container_id)

    def removal(self, container_id: str) -> asyncio.Future:
        return self._add(self._removed, container_id)

    @staticmethod
    def _add(table, container_id: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        table[container_id].append(future)
        return future

    def exited(self, container_id: str, result: WaitResult) -> None:
        self._resolve(self._exit.pop(container_id, []), result)

    def removed(self, container_id: str, result: WaitResult) -> None:
        self._resolve(self._exit.pop(container_id, []), result)
        self._resolve(self._removed.pop(container_id, []), result)

    @staticmethod
    def _resolve(futures: list[asyncio.Future], result: WaitResult) -> None:
        for future in futures:
            if not future.done():
                future.set_result(result)
