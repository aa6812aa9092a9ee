"""lanelink message types and payload layouts (all integers little-endian).

 TYPE  name        dir          payload                               reply
 0x01  HELLO       kiosk->gate  proto u8                               ACK(version)
 0x02  HEARTBEAT   both         gate: state u8|inputs u8|outputs u8    none
 0x10  OPEN_EXIT   kiosk->gate  txid[8] | window_ms u16                ACK / NAK
 0x11  LOCK        kiosk->gate  -                                      ACK
 0x12  STATUS      kiosk->gate  -                                      ACK(status)
 0x13  OPEN_ENTRY  kiosk->gate  txid[8] | window_ms u16                ACK / NAK
 0x20  EVENT       gate->kiosk  kind u8|state u8|arg u8|txid[8]        ACK (by kiosk)
 0x80  ACK         both         SEQ = acked seq; optional data
 0x81  NAK         both         SEQ = refused seq; reason u8

 ACK(version) data: proto u8|fw major u8|minor u8|patch u8|reset_cause u8|state u8
 ACK(status)  data: state u8|inputs u8|outputs u8|rx_errors u16|last txid[8]

 OPEN_EXIT from LOCKED is the one-step flow (the lane today): the exit and
 the entry are released together, the entry re-locks once the traveller is
 inside. OPEN_ENTRY (added in proto 1, optional) is the two-step flow: the
 entry is released, the traveller is held INSIDE, and a later OPEN_EXIT
 (fresh txid) releases the exit. Older kiosks never send it.

 Commands (HELLO, OPEN_EXIT, OPEN_ENTRY, LOCK, STATUS, EVENT) are acknowledged; the
 sender retransmits the identical frame on timeout a bounded number of
 times. A receiver identifies a duplicate by (SEQ, CRC) of a recently seen
 frame and answers with the cached reply without re-executing it. HELLO
 starts a session and clears the duplicate cache.
"""

try:
    from micropython import const  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # CPython

    def const(x: int) -> int:  # type: ignore[no-redef, misc, unused-ignore]
        return x


PROTO = const(1)

MSG_HELLO = const(0x01)
MSG_HEARTBEAT = const(0x02)
MSG_OPEN_EXIT = const(0x10)
MSG_LOCK = const(0x11)
MSG_STATUS = const(0x12)
MSG_OPEN_ENTRY = const(0x13)
MSG_EVENT = const(0x20)
MSG_ACK = const(0x80)
MSG_NAK = const(0x81)

# EVENT kinds
EV_DOOR_OPENED = const(1)
EV_PASSED = const(2)
EV_DOOR_CLOSED = const(3)
EV_ALARM = const(4)
EV_FAULT = const(5)
EV_SNAPSHOT = const(6)
EV_INSIDE = const(7)  # two-step: traveller inside, entry re-locked (arg: persons seen)

# EVENT arg values (reason codes)
ARG_NONE = const(0)
ARG_PASSED = const(1)  # door closed after a passage
ARG_TIMEOUT = const(2)  # open window expired, nobody passed
ARG_LOCK_CMD = const(3)  # kiosk sent LOCK
ARG_LINK_LOST = const(4)  # heartbeat loss
ARG_WRONG_WAY = const(5)  # exit beam before entry beam
ARG_FIRE = const(6)  # fire input active (emergency release)
ARG_FIRE_CLEAR = const(7)
ARG_BEAM_STUCK = const(8)
ARG_PASSAGE_TIMEOUT = const(9)
ARG_BOOT = const(10)
ARG_TAILGATE = const(11)  # a second person inside / entering behind (alarm)
ARG_DOOR_FORCED = const(12)  # a door sensed open while its lock is engaged
ARG_WDT_RESET = const(13)  # boot after a watchdog reset (EV_FAULT)
ARG_BROWNOUT = const(14)  # boot after a brown-out / power loss (EV_FAULT)
ARG_CLEAR = const(15)  # alarm / egress over: chamber empty, back to LOCKED
ARG_BACKED_OUT = const(16)  # the traveller left towards the kiosk side

# gate states
ST_LOCKED = const(0)
ST_EXIT_OPEN = const(1)
ST_PASSAGE = const(2)
ST_FAULT = const(3)
ST_EMERGENCY = const(4)
ST_ENTRY_OPEN = const(5)  # two-step: entry released, exit locked
ST_INSIDE = const(6)  # traveller inside, both doors locked
ST_ALARM = const(7)  # tailgating / wrong way / forced door: exit locked, entry = egress
STATE_NAMES = ("LOCKED", "EXIT_OPEN", "PASSAGE", "FAULT", "EMERGENCY", "ENTRY_OPEN",
               "INSIDE", "ALARM")

# NAK reasons
NAK_UNKNOWN_TYPE = const(1)
NAK_BAD_PAYLOAD = const(2)
NAK_REPLAY = const(3)  # transaction id already used
NAK_BUSY = const(4)  # not LOCKED (exit already open / passage running)
NAK_EMERGENCY = const(5)
NAK_FAULT = const(6)
NAK_BAD_PROTO = const(7)

# inputs / outputs bitmasks in HEARTBEAT / STATUS
IN_BEAM_ENTRY = const(0x01)
IN_BEAM_EXIT = const(0x02)
IN_FIRE = const(0x04)
IN_ENTRY_DOOR_OPEN = const(0x08)  # door sensor: 1 = door not closed
IN_EXIT_DOOR_OPEN = const(0x10)
IN_OCCUPIED = const(0x20)  # any beam of the array blocked
OUT_EXIT_RELEASE = const(0x01)
OUT_LED_GREEN = const(0x02)
OUT_LED_RED = const(0x04)
OUT_ENTRY_RELEASE = const(0x08)
OUT_LED_AMBER = const(0x10)
OUT_BUZZER = const(0x20)

TXID_LEN = const(8)
OPEN_EXIT_LEN = const(10)
EVENT_LEN = const(11)
STATUS_LEN = const(13)
VERSION_LEN = const(6)


def pack_open_exit(buf: bytearray, txid: bytes | bytearray | memoryview, window_ms: int) -> int:
    if len(txid) != TXID_LEN or not 0 < window_ms <= 0xFFFF:
        raise ValueError("bad OPEN_EXIT")
    buf[0:TXID_LEN] = txid
    buf[8] = window_ms & 0xFF
    buf[9] = window_ms >> 8
    return OPEN_EXIT_LEN


def unpack_window(p: bytes | bytearray | memoryview) -> int:
    return p[8] | (p[9] << 8)


def pack_event(buf: bytearray, kind: int, state: int, arg: int,
               txid: bytes | bytearray | memoryview) -> int:
    buf[0] = kind
    buf[1] = state
    buf[2] = arg
    buf[3:3 + TXID_LEN] = txid
    return EVENT_LEN


def pack_status(buf: bytearray, state: int, inputs: int, outputs: int, rx_errors: int,
                txid: bytes | bytearray | memoryview) -> int:
    buf[0] = state
    buf[1] = inputs
    buf[2] = outputs
    buf[3] = rx_errors & 0xFF
    buf[4] = (rx_errors >> 8) & 0xFF
    buf[5:5 + TXID_LEN] = txid
    return STATUS_LEN
