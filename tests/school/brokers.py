"""The project's Celery app on a real broker connection in a unit test, instead of running tasks in-process.

`a_broker()` turns eager execution off and points the app at kombu's in-memory transport (a broker that
takes messages); `broker.down()` points it at a port nobody listens on (Redis stopped: the connection is
refused at once). `broker.messages()` takes what was sent off the queue; `broker.deliver()` runs each taken
message's task, as a worker would.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from config.celery import app
from tests.processes import free_port

MEMORY = "memory://"


@dataclass
class Broker:
    def down(self) -> None:
        app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"

    def up(self) -> None:
        app.conf.broker_url = MEMORY

    def messages(self) -> list[tuple[str, list]]:
        """(task name, args) of every message waiting in the default queue, taken off it."""
        taken = []
        kept = app.conf.broker_url
        app.conf.broker_url = MEMORY
        try:
            with app.connection_for_write() as connection:
                queue = connection.SimpleQueue(app.conf.task_default_queue)
                try:
                    while queue.qsize():
                        message = queue.get(timeout=1)
                        taken.append((message.headers["task"], message.payload[0]))
                        message.ack()
                finally:
                    queue.close()
        finally:
            app.conf.broker_url = kept
        return taken

    def deliver(self, messages: list[tuple[str, list]]) -> None:
        """Run each message's task here, as the worker would (its eager path: no broker involved)."""
        for name, args in messages:
            app.tasks[name].apply(args=args, throw=True)


@contextlib.contextmanager
def a_broker() -> Iterator[Broker]:
    conf = app.conf
    kept = (conf.task_always_eager, conf.broker_url)
    conf.task_always_eager = False
    conf.broker_url = MEMORY
    broker = Broker()
    broker.messages()  # nothing left over from another test
    try:
        yield broker
    finally:
        broker.messages()
        conf.task_always_eager, conf.broker_url = kept
