"""Run the pure-Python amqtt broker (MQTT 3.1.1 only) until SIGTERM/SIGINT.

Used by ``make demo`` where Mosquitto is not installed and root is not
available: ``python -m openabc.mqtt.embedded_broker --port 1883``.
Anonymous access, loopback by default, no $SYS topics, no packet logging.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from typing import Any

from amqtt.broker import Broker  # type: ignore[import-untyped]

log = logging.getLogger(__name__)


def broker_config(host: str, port: int) -> dict[str, Any]:
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }


async def serve(host: str, port: int) -> None:
    """Serve until the process is asked to stop, then shut down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    broker = Broker(broker_config(host, port), loop=loop)
    await broker.start()
    log.info("amqtt broker listening on %s:%d", host, port)
    await stop.wait()
    await broker.shutdown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("transitions").setLevel(logging.WARNING)
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
