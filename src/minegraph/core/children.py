"""Child processes, in one place: the query workers (:mod:`minegraph.web.workers`), the fast gate's batches
(:mod:`minegraph.store.fastgate`) and the pre-rendering of documents (:mod:`minegraph.web.prerender`).

A child is a plain ``python -c`` process running ``function(conn, *args)`` of a module and talking pickles
over a socket pair. Not multiprocessing's spawn, which re-imports the parent's ``__main__`` (it breaks scripts
and notebooks that call minegraph without an ``if __name__ == "__main__"`` guard), and never fork, which would
copy a parent's RocksDB handles without their threads. A child can be killed at any moment (a query past its
time limit) without harming the parent.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any


class Child:
    """``python -c`` running ``target`` (``"package.module:function"``) as ``function(conn, *args)``."""

    def __init__(self, target: str, *args: str) -> None:
        module, function = target.split(":")
        code = (f"import sys; from multiprocessing.connection import Connection; from {module} import {function}; "
                f"{function}(Connection(int(sys.argv[1])), *sys.argv[2:])")
        mine, theirs = socket.socketpair()
        self.process = subprocess.Popen([sys.executable, "-c", code, str(theirs.fileno()), *args],
                                        pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        theirs.close()
        self.conn = Connection(mine.detach())

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.conn.close()

    def close(self, wait: float = 1.0) -> None:
        """Ask the child to end (``None``); kill it if it has not after ``wait`` seconds."""
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        try:
            self.process.wait(wait)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.conn.close()


def answer_items(conn: Connection, handle: Callable[[Any], Any]) -> None:
    """The child's side of :func:`map_in_children`: ``handle`` each item received until ``None``."""
    while (item := conn.recv()) is not None:
        conn.send(handle(item))


def map_in_children(target: str, first: Any, count: int, item_of: Callable[[int], Any],
                    workers: int) -> Iterator[tuple[int, Any]]:
    """Items ``item_of(0)`` … ``item_of(count - 1)`` handled by ``workers`` children of ``target`` (each gets
    ``first``, then items, and answers each: :func:`answer_items`); yields ``(index, answer)`` as they come.

    An item is made when a child is ready for it and dropped once sent, so at most one item per child is held
    at a time (the batches of a national file, all at once, are as big as its graph). A child that fails stops
    the whole map with an error.
    """
    done: queue.Queue[tuple[int, Any] | BaseException] = queue.Queue()
    todo: queue.Queue[int] = queue.Queue()
    for index in range(count):
        todo.put(index)

    def run() -> None:
        child: Child | None = None
        try:
            child = Child(target)
            child.conn.send(first)
            while True:
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    break
                child.conn.send(item_of(index))
                done.put((index, child.conn.recv()))
            child.close(wait=30)
            if child.process.returncode != 0:
                raise RuntimeError(f"a worker process ended with status {child.process.returncode}")
        except BaseException as error:
            if child is not None:
                with contextlib.suppress(OSError):
                    child.kill()
            done.put(error)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(min(workers, count))]
    for thread in threads:
        thread.start()
    for _ in range(count):
        item = done.get()
        if isinstance(item, BaseException):
            raise RuntimeError(f"a worker process failed: {item}") from item
        yield item
    for thread in threads:
        thread.join()
