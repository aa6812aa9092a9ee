"""lanelink reliability helpers: duplicate detection and retransmit outbox.

Both are fixed-size and allocation-free after construction so the firmware
can use them from its main loop; the kiosk uses ``RecentFrames`` as well.
"""


def _diff(a: int, b: int) -> int:
    return a - b


def _add(a: int, d: int) -> int:
    return a + d


class RecentFrames:
    """Remembers the last ``slots`` received commands by (seq, crc) plus the
    reply sent for each, so a retransmitted duplicate gets the same reply
    and is not executed twice."""

    def __init__(self, slots: int = 8, reply_len: int = 40) -> None:
        self._key = [-1] * slots
        self._reply = [bytearray(reply_len) for _ in range(slots)]
        self._rlen = [0] * slots
        self._next = 0

    def clear(self) -> None:
        for i in range(len(self._key)):
            self._key[i] = -1

    def find(self, seq: int, crc: int) -> int:
        """Slot index of a duplicate, or -1."""
        k = (seq << 16) | crc
        for i in range(len(self._key)):
            if self._key[i] == k:
                return i
        return -1

    def reply(self, slot: int) -> memoryview:
        return memoryview(self._reply[slot])[:self._rlen[slot]]

    def store(self, seq: int, crc: int, reply: bytes | bytearray | memoryview) -> None:
        i = self._next
        self._next = (i + 1) % len(self._key)
        self._key[i] = (seq << 16) | crc
        n = len(reply)
        self._reply[i][0:n] = reply
        self._rlen[i] = n


class Outbox:
    """Pending acknowledged frames awaiting an ACK, retransmitted on timeout.

    ``due(now_ms)`` returns the slot index of one frame that must be
    (re)sent now, or -1; call it repeatedly until -1. Frames whose tries are
    exhausted are dropped and counted in ``dropped``.
    """

    def __init__(self, slots: int = 4, frame_len: int = 40, timeout_ms: int = 250,
                 tries: int = 5, ticks_diff: object = None, ticks_add: object = None) -> None:
        self._seq = [-1] * slots
        self._buf = [bytearray(frame_len) for _ in range(slots)]
        self._len = [0] * slots
        self._left = [0] * slots
        self._at = [0] * slots
        self.timeout_ms = timeout_ms
        self.tries = tries
        self.dropped = 0
        # time.ticks_diff / time.ticks_add on MicroPython (wrapping ticks);
        # plain integer arithmetic when not given
        self._diff = ticks_diff if ticks_diff is not None else _diff
        self._add = ticks_add if ticks_add is not None else _add

    def pending(self) -> int:
        return sum(1 for s in self._seq if s >= 0)

    def push(self, seq: int, frame: bytes | bytearray | memoryview, now_ms: int) -> int:
        """Queue a frame to be sent now; returns its slot (evicts oldest if full)."""
        slot = -1
        for i in range(len(self._seq)):
            if self._seq[i] < 0:
                slot = i
                break
        if slot < 0:
            slot = 0
            for i in range(1, len(self._seq)):
                if self._diff(self._at[i], self._at[slot]) < 0:  # type: ignore[operator]
                    slot = i
            self.dropped += 1
        n = len(frame)
        self._buf[slot][0:n] = frame
        self._len[slot] = n
        self._seq[slot] = seq
        self._left[slot] = self.tries
        self._at[slot] = now_ms  # due immediately
        return slot

    def ack(self, seq: int) -> bool:
        for i in range(len(self._seq)):
            if self._seq[i] == seq:
                self._seq[i] = -1
                return True
        return False

    def due(self, now_ms: int) -> int:
        for i in range(len(self._seq)):
            if self._seq[i] < 0:
                continue
            if self._diff(now_ms, self._at[i]) >= 0:  # type: ignore[operator]
                if self._left[i] <= 0:
                    self._seq[i] = -1
                    self.dropped += 1
                    continue
                self._left[i] -= 1
                self._at[i] = self._add(now_ms, self.timeout_ms)  # type: ignore[operator]
                return i
        return -1

    def frame(self, slot: int) -> memoryview:
        return memoryview(self._buf[slot])[:self._len[slot]]
