"""A reconnecting MQTT client that delivers bytes at QoS 1 or says it could not.

Wraps paho-mqtt 2.x (callback API v2) with what every OpenABC process needs:
MQTT v5 with a fallback to 3.1.1 (the demo's amqtt broker), a retained
online/offline availability topic, subscriptions re-made after every
reconnect, publishes that wait for the PUBACK, and TCP_NODELAY (paho leaves
Nagle on, which turns a ~1 ms QoS 1 round trip into ~40 ms).
"""

from __future__ import annotations

import logging
import math
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from paho.mqtt.client import (
    Client,
    ConnectFlags,
    DisconnectFlags,
    MQTTMessage,
    MQTTMessageInfo,
    error_string,
)
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from openabc.config import BrokerSettings
from openabc.messages import MAX_PAYLOAD_BYTES
from openabc.mqtt.dispatch import Dispatcher, Handler
from openabc.mqtt.errors import BusConnectError, BusError
from openabc.topics import OFFLINE, ONLINE

if TYPE_CHECKING:
    from paho.mqtt.client import SocketLike  # defined for type checkers only

log = logging.getLogger(__name__)

_UNSUPPORTED_PROTOCOL = 0x84
"""CONNACK reason a 3.1.1-only broker gives a v5 CONNECT (paho maps rc 1 to it)."""
_MAX_REMEMBERED_FAILURES = 256


@dataclass
class _SubackWait:
    done: threading.Event = field(default_factory=threading.Event)
    failure: ReasonCode | None = None


class MqttBus:
    """One MQTT connection: publish with PUBACK, subscribe with handlers.

    Handlers run on a dedicated thread (see ``dispatch``), so they may call
    ``publish``. Not picklable, not reusable after ``close``.
    """

    def __init__(
        self,
        settings: BrokerSettings,
        *,
        client_id: str,
        availability_topic: str | None = None,
        tcp_nodelay: bool = True,
        reconnect_min_s: int = 1,
        reconnect_max_s: int = 30,
    ) -> None:
        self._settings = settings
        self._client_id = client_id
        self._availability = availability_topic
        self._tcp_nodelay = tcp_nodelay
        self._reconnect_delay = (reconnect_min_s, reconnect_max_s)
        self._dispatcher = Dispatcher(client_id)
        self._client: Client | None = None
        self._protocol: MQTTProtocolVersion | None = None
        self._accepted_protocol: MQTTProtocolVersion | None = None
        self._connected = threading.Event()
        self._first_connack = threading.Event()
        self._refusal: str | None = None
        self._protocol_refused = False
        self._probing = False
        self._lock = threading.Lock()
        self._disconnects = 0
        self._suback_waits: dict[int, _SubackWait] = {}
        self._puback_failures: OrderedDict[int, ReasonCode] = OrderedDict()
        self._closed = False

    # -- lifecycle ---------------------------------------------------------

    def connect(self, timeout: float = 10.0) -> None:
        """Block until the broker accepted us; afterwards paho reconnects by itself."""
        if self._closed:
            raise BusError("bus is closed")
        if self._client is not None:
            raise BusError("bus is already connected or connecting")
        deadline = time.monotonic() + timeout
        self._dispatcher.start()  # before CONNECT: retained messages come at once
        try:
            self._connect_any(deadline)
        except BusError:
            self._dispatcher.stop()
            raise

    def _connect_any(self, deadline: float) -> None:
        protocol = MQTTProtocolVersion.MQTTv5
        if self._settings.protocol == "v311":
            protocol = MQTTProtocolVersion.MQTTv311
        elif self._settings.protocol == "auto":
            # Probe v5 without a will first: amqtt answers a plain v5 CONNECT
            # with "unsupported protocol" but stalls, never answering, on one
            # that carries a will (it misparses the v5 will properties).
            refusal = self._probe(deadline)
            if refusal is not None and not self._protocol_refused:
                raise BusConnectError(self._refused(refusal))
            if refusal is not None:
                log.info("broker refused MQTT v5 (%s), using 3.1.1", refusal)
                protocol = MQTTProtocolVersion.MQTTv311
        refusal = self._attempt(protocol, deadline)
        if refusal is not None:
            raise BusConnectError(self._refused(refusal))

    def _refused(self, refusal: str) -> str:
        return (
            f"broker {self._settings.host}:{self._settings.port} refused "
            f"client {self._client_id}: {refusal}"
        )

    def close(self, timeout: float = 2.0) -> None:
        """Say ``offline`` (retained), disconnect cleanly, stop the handler thread."""
        if self._closed:
            return
        self._closed = True
        client = self._client
        if client is not None:
            if self._availability is not None and self._connected.is_set():
                try:
                    self.publish(self._availability, OFFLINE, retain=True, timeout=timeout)
                except BusError as err:
                    log.warning("could not publish offline on %s: %s", self._availability, err)
            self._stop_client(client)
        self._connected.clear()
        self._dispatcher.stop(timeout)

    def __enter__(self) -> MqttBus:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- state ---------------------------------------------------------------

    @property
    def is_connected(self) -> bool:
        return self._connected.is_set()

    @property
    def is_v5(self) -> bool:
        """True once connected with MQTT v5 (False on 3.1.1 or before connect)."""
        return self._accepted_protocol == MQTTProtocolVersion.MQTTv5

    @property
    def tcp_nodelay_active(self) -> bool:
        """Read TCP_NODELAY back from the live socket (False when not connected)."""
        client = self._client
        sock = client.socket() if client is not None else None
        if not isinstance(sock, socket.socket):
            return False
        return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    # -- publish / subscribe -------------------------------------------------

    def publish(
        self,
        topic: str,
        payload: bytes,
        *,
        qos: int = 1,
        retain: bool = False,
        expiry_s: float | None = None,
        timeout: float = 5.0,
    ) -> None:
        """Publish; for QoS >= 1 return only once the broker acknowledged.

        Raises ``BusError`` when not connected, when the connection drops or
        no PUBACK arrives within ``timeout``. paho may still resend the
        message after a reconnect (at-least-once), so receivers deduplicate.
        """
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise BusError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_BYTES}")
        client = self._client
        if client is None or not self._connected.is_set():
            raise BusError(f"not connected, cannot publish to {topic}")
        properties = None
        if expiry_s is not None and self.is_v5:
            properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            properties.MessageExpiryInterval = max(1, math.ceil(expiry_s))
        with self._lock:
            disconnects = self._disconnects
        try:
            info = client.publish(topic, payload, qos=qos, retain=retain, properties=properties)
        except ValueError as err:
            raise BusError(f"cannot publish to {topic}: {err}") from err
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            raise BusError(f"publish to {topic} failed: {error_string(info.rc)}")
        if qos > 0:
            self._wait_for_puback(info, topic, disconnects, timeout)

    def subscribe(
        self, topic: str, handler: Handler, *, qos: int = 1, timeout: float = 5.0
    ) -> None:
        """Route messages matching ``topic`` to ``handler``; survives reconnects.

        When connected, waits for the SUBACK and raises ``BusError`` if the
        broker refuses. Subscribing the same filter again replaces the handler.
        """
        self._dispatcher.add(topic, handler, qos)
        client = self._client
        if client is None or not self._connected.is_set():
            return  # made by _on_connect
        wait = _SubackWait()
        with self._lock:
            try:
                rc, mid = client.subscribe(topic, qos)
            except ValueError as err:
                self._dispatcher.remove(topic)
                raise BusError(f"cannot subscribe to {topic}: {err}") from err
            if rc != MQTTErrorCode.MQTT_ERR_SUCCESS or mid is None:
                return  # connection just dropped: _on_connect will subscribe
            self._suback_waits[mid] = wait
        if not wait.done.wait(timeout):
            with self._lock:
                self._suback_waits.pop(mid, None)
            raise BusError(f"no SUBACK for {topic} within {timeout} s")
        if wait.failure is not None:
            self._dispatcher.remove(topic)
            raise BusError(f"broker refused subscription to {topic}: {wait.failure}")

    # -- internals -------------------------------------------------------------

    def _probe(self, deadline: float) -> str | None:
        """Ask for MQTT v5 with no will and nothing published; None when accepted.

        Runs paho's loop by hand (no thread, no reconnect backoff) so a refusal
        costs milliseconds. A broker hanging up before its CONNACK counts as
        refusing the protocol.
        """
        self._reset_attempt(MQTTProtocolVersion.MQTTv5, probe=True)
        client = self._new_client(MQTTProtocolVersion.MQTTv5, will=False)
        try:
            self._connect_blocking(client, deadline)
            while not self._first_connack.is_set() and time.monotonic() < deadline:
                if client.loop(timeout=0.05) != MQTTErrorCode.MQTT_ERR_SUCCESS:
                    break
            if not self._first_connack.is_set():
                raise BusConnectError(self._no_connack())
            return self._refusal
        finally:
            self._probing = False
            client.disconnect()

    def _connect_blocking(self, client: Client, deadline: float) -> None:
        """TCP connect and send CONNECT, retrying while the broker is not up yet."""
        while True:
            try:
                client.connect(
                    self._settings.host,
                    self._settings.port,
                    keepalive=self._settings.keepalive_s,
                    clean_start=True,
                )
                return
            except OSError as err:
                if time.monotonic() + 0.2 >= deadline:
                    raise BusConnectError(
                        f"cannot reach {self._settings.host}:{self._settings.port}: {err}"
                    ) from err
                time.sleep(0.2)

    def _attempt(self, protocol: MQTTProtocolVersion, deadline: float) -> str | None:
        """Connect for real (will set, paho thread reconnecting): None when accepted."""
        self._reset_attempt(protocol, probe=False)
        client = self._new_client(protocol, will=True)
        client.connect_async(
            self._settings.host,
            self._settings.port,
            keepalive=self._settings.keepalive_s,
            clean_start=True,
        )
        self._client = client
        client.loop_start()
        if not self._first_connack.wait(max(0.0, deadline - time.monotonic())):
            self._stop_client(client)
            raise BusConnectError(self._no_connack())
        if self._refusal is not None:
            self._stop_client(client)
        return self._refusal

    def _reset_attempt(self, protocol: MQTTProtocolVersion, *, probe: bool) -> None:
        self._protocol = protocol
        self._refusal = None
        self._protocol_refused = False
        self._probing = probe
        self._first_connack.clear()

    def _no_connack(self) -> str:
        return f"no CONNACK from {self._settings.host}:{self._settings.port} before the timeout"

    def _new_client(self, protocol: MQTTProtocolVersion, *, will: bool) -> Client:
        v5 = protocol == MQTTProtocolVersion.MQTTv5
        client = Client(
            CallbackAPIVersion.VERSION2,
            client_id=self._client_id,
            clean_session=None if v5 else True,
            protocol=protocol,
        )
        client.on_socket_open = self._on_socket_open
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        client.on_subscribe = self._on_subscribe
        client.reconnect_delay_set(*self._reconnect_delay)
        if will and self._availability is not None:
            client.will_set(self._availability, OFFLINE, qos=1, retain=True)
        return client

    def _stop_client(self, client: Client) -> None:
        client.disconnect()
        client.loop_stop()
        if self._client is client:
            self._client = None

    def _wait_for_puback(
        self, info: MQTTMessageInfo, topic: str, disconnects: int, timeout: float
    ) -> None:
        end = time.monotonic() + timeout
        while not info.is_published():
            with self._lock:
                if self._disconnects != disconnects:
                    raise BusError(f"connection lost before the PUBACK for {topic}")
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise BusError(f"no PUBACK for {topic} within {timeout} s")
            try:
                # Short slices so a disconnect is noticed; a PUBACK wakes us at once.
                info.wait_for_publish(min(remaining, 0.1))
            except (ValueError, RuntimeError) as err:
                raise BusError(f"publish to {topic} failed: {err}") from err
        with self._lock:
            failure = self._puback_failures.pop(info.mid, None)
        if failure is not None:
            raise BusError(f"broker refused the publish to {topic}: {failure}")

    # -- paho callbacks (network thread) ----------------------------------------

    def _on_socket_open(self, client: Client, userdata: Any, sock: SocketLike) -> None:
        # Before CONNECT is written, so every packet of the session goes out at once.
        if self._tcp_nodelay and isinstance(sock, socket.socket):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError as err:
                log.warning("could not set TCP_NODELAY: %s", err)

    def _on_connect(
        self,
        client: Client,
        userdata: Any,
        flags: ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            # Not connected: paho retries with backoff (marking it connected
            # here is the bug that leaves a client silently deaf).
            level = logging.DEBUG if self._probing else logging.WARNING
            log.log(level, "broker refused the connection: %s", reason_code)
            if not self._first_connack.is_set():
                self._refusal = str(reason_code)
                self._protocol_refused = reason_code.value == _UNSUPPORTED_PROTOCOL
                self._first_connack.set()
            return
        if self._probing:
            self._first_connack.set()
            return
        self._accepted_protocol = self._protocol
        subscriptions = self._dispatcher.subscriptions()
        if subscriptions:
            client.subscribe([(sub.topic_filter, sub.qos) for sub in subscriptions])
        if self._availability is not None:
            client.publish(self._availability, ONLINE, qos=1, retain=True)
        self._connected.set()
        log.info(
            "connected to %s:%s as %s (%s)",
            self._settings.host,
            self._settings.port,
            self._client_id,
            "v5" if self.is_v5 else "3.1.1",
        )
        self._first_connack.set()

    def _on_disconnect(
        self,
        client: Client,
        userdata: Any,
        flags: DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        was_connected = self._connected.is_set()
        self._connected.clear()
        with self._lock:
            self._disconnects += 1
        if self._probing and not self._first_connack.is_set():
            self._refusal = f"connection closed before CONNACK ({reason_code})"
            self._protocol_refused = True
            self._first_connack.set()
        if was_connected and not self._closed:
            log.warning("disconnected from the broker (%s), reconnecting", reason_code)

    def _on_message(self, client: Client, userdata: Any, message: MQTTMessage) -> None:
        if len(message.payload) > MAX_PAYLOAD_BYTES:
            log.warning(
                "dropping a %d-byte message on %s (limit %d)",
                len(message.payload),
                message.topic,
                MAX_PAYLOAD_BYTES,
            )
            return
        self._dispatcher.submit(message.topic, bytes(message.payload))

    def _on_publish(
        self,
        client: Client,
        userdata: Any,
        mid: int,
        reason_code: ReasonCode,
        properties: Properties,
    ) -> None:
        if not reason_code.is_failure:
            return
        with self._lock:
            self._puback_failures[mid] = reason_code
            while len(self._puback_failures) > _MAX_REMEMBERED_FAILURES:
                self._puback_failures.popitem(last=False)

    def _on_subscribe(
        self,
        client: Client,
        userdata: Any,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Properties,
    ) -> None:
        failures = [code for code in reason_codes if code.is_failure]
        with self._lock:
            wait = self._suback_waits.pop(mid, None)
        if wait is not None:
            wait.failure = failures[0] if failures else None
            wait.done.set()
        elif failures:
            log.warning("broker refused %d resubscription(s): %s", len(failures), failures[0])
