"""Run one MqttBus in a separate process so a test can SIGKILL it.

Usage: python bus_child.py HOST PORT CLIENT_ID AVAILABILITY_TOPIC
Prints "ready" once connected, then sleeps until killed.
"""

from __future__ import annotations

import sys
import time

from openabc.config import BrokerSettings
from openabc.mqtt.bus import MqttBus


def main() -> None:
    host, port, client_id, availability = sys.argv[1:5]
    bus = MqttBus(
        BrokerSettings(host=host, port=int(port)),
        client_id=client_id,
        availability_topic=availability,
    )
    bus.connect(timeout=10)
    print("ready", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
