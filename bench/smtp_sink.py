"""``python -m bench.smtp_sink PORT``: an aiosmtpd server on 127.0.0.1:PORT that accepts every message and, on
SIGTERM, prints how many it received and to how many distinct recipients (the invitations bench's receiver, in a
process of its own so that it takes no interpreter time from the processes measured)."""

from __future__ import annotations

import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Counter:
    """Counts accepted messages and their recipients."""

    def __init__(self) -> None:
        self.messages = 0
        self.recipients: set[str] = set()

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        self.recipients.update(envelope.rcpt_tos)
        return "250 OK"


def main(port: int) -> None:
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    controller.start()
    print("ready", flush=True)
    stop.wait()
    controller.stop()
    print(f"{counter.messages} {len(counter.recipients)}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
