"""lanelink codec checks, runnable on CPython (pytest) and MicroPython (run.py).

Known frames were computed independently (binascii.crc_hqx + a reference COBS).
"""

from lanelink import cobs, crc, frame, link
from lanelink import messages as m


def _h(s):
    return bytes(bytearray.fromhex(s))


def test_crc_check_value():
    assert crc.crc16(b"123456789") == 0x29B1
    assert crc.crc16(b"") == 0xFFFF
    assert crc.crc16(b"123456789", 4) == crc.crc16(b"1234")


def test_cobs_known_vectors():
    vectors = (
        (b"", "01"),
        (b"\x00", "0101"),
        (b"\x00\x00", "010101"),
        (b"\x11\x22\x00\x33", "03112202 33".replace(" ", "")),
        (b"\x11\x22\x33\x44", "0511223344"),
        (b"\x11\x00\x00\x00", "0211010101"),
    )
    for raw, enc in vectors:
        assert cobs.encode(raw) == _h(enc), raw
        assert cobs.decode(_h(enc)) == raw


def test_cobs_long_runs():
    for n in (253, 254, 255, 256, 508, 600):
        d = bytes([(i % 255) + 1 for i in range(n)])
        e = cobs.encode(d)
        assert 0 not in e
        assert len(e) <= cobs.max_encoded_len(n)
        assert cobs.decode(e) == d
        z = bytes(n)
        assert cobs.decode(cobs.encode(z)) == z


def test_cobs_rejects_malformed():
    for bad in ("00", "05112233", "0311002233", "02"):
        try:
            r = cobs.decode(_h(bad))
        except ValueError:
            continue
        raise AssertionError((bad, r))


def test_known_frames_byte_exact():
    assert frame.encode_frame(m.MSG_HEARTBEAT, 0) == _h("03010201039c1400")
    p = bytearray(m.OPEN_EXIT_LEN)
    m.pack_open_exit(p, bytes(range(1, 9)), 5000)
    assert frame.encode_frame(m.MSG_OPEN_EXIT, 0x1234, bytes(p)) == _h(
        "11011034120102030405060708881303ef00")
    assert frame.encode_frame(m.MSG_ACK, 0xFFFF) == _h("070180ffffd42100")


def test_frame_roundtrip_all_lengths():
    w = frame.FrameWriter()
    r = frame.FrameReader()
    for n in range(frame.MAX_PAYLOAD + 1):
        p = bytes([(i * 37) & 0xFF for i in range(n)])
        f = w.build(m.MSG_EVENT, n * 1000, p)
        assert len(f) <= frame.MAX_WIRE
        got = 0
        for b in f:
            if r.push(b):
                got += 1
                assert r.mtype == m.MSG_EVENT and r.seq == n * 1000
                assert bytes(r.payload()) == p
        assert got == 1
    assert r.errors == 0


def test_payload_too_long_rejected():
    try:
        frame.encode_frame(m.MSG_EVENT, 1, bytes(frame.MAX_PAYLOAD + 1))
    except ValueError:
        return
    raise AssertionError("no ValueError")


def test_corrupted_frames_rejected():
    good = frame.encode_frame(m.MSG_LOCK, 7, b"\x01\x02")
    for i in range(len(good) - 1):  # every single-byte corruption except the delimiter
        for flip in (0x01, 0x80):
            bad = bytearray(good)
            bad[i] ^= flip
            if bad[i] == 0:
                continue
            assert frame.decode_frames(bytes(bad)) == [], (i, flip)
    # truncated frame followed by a good one: resync on the delimiter
    out = frame.decode_frames(good[:5] + b"\x00" + good)
    assert out == [(m.MSG_LOCK, 7, b"\x01\x02")]
    # wrong version byte with valid CRC is rejected too
    raw = bytearray(b"\x02\x11\x07\x00")
    c = crc.crc16(raw)
    raw += bytes([c >> 8, c & 0xFF])
    assert frame.decode_frames(cobs.encode(raw) + b"\x00") == []


def test_reader_overflow_and_garbage():
    r = frame.FrameReader()
    for b in bytes([0x55] * 200) + b"\x00":
        assert not r.push(b)
    assert r.errors == 1
    f = frame.encode_frame(m.MSG_STATUS, 3)
    assert sum(1 for b in f if r.push(b)) == 1


def test_recent_frames_dedup():
    rf = link.RecentFrames(2, 8)
    rf.store(5, 0xABCD, b"\x01\x02")
    assert rf.find(5, 0xABCD) == 0
    assert rf.find(5, 0xABCE) == -1
    assert bytes(rf.reply(0)) == b"\x01\x02"
    rf.store(6, 1, b"x")
    rf.store(7, 1, b"y")  # evicts seq 5
    assert rf.find(5, 0xABCD) == -1
    rf.clear()
    assert rf.find(7, 1) == -1


def test_outbox_retransmit_bounded():
    ob = link.Outbox(2, 8, timeout_ms=100, tries=3)
    ob.push(9, b"abc", 0)
    assert ob.due(0) == 0 and ob.due(0) == -1
    assert ob.due(99) == -1 and ob.due(100) == 0
    assert ob.due(200) == 0
    assert ob.due(300) == -1 and ob.dropped == 1 and ob.pending() == 0
    ob.push(10, b"d", 0)
    assert ob.ack(10) and not ob.ack(10)
    assert ob.due(1000) == -1
