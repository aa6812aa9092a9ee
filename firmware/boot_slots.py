"""A/B firmware slots with trial boot and automatic rollback (device side).

Lives outside the slots (it is the bootloader's second stage: ``boot.py`` runs
``import boot_slots; boot_slots.boot()``). Flash layout, relative to the
filesystem root (the unix-port emulation runs with cwd = its flash directory)::

    device.json          factory identity: {"board": ..., "id": ...}
    slots.json           {"committed": "a"|"b"|None, "trial": "a"|"b"|None, "tries": n}
    slot_a/ slot_b/      manifest.json (signed bytes) + manifest.sig + the .mpy files

Power-cut safety: ``slots.json`` is only ever replaced by write-new + rename;
the flashing tool first disarms any trial, then writes the *inactive* slot,
its manifest last, has every file's sha256 verified here, and only then arms
a trial. A trial boot increments ``tries`` before running the new slot; a
trial that is not committed by the health check is abandoned on the next boot
(rollback to the committed slot).
"""

import hashlib
import json
import os
import sys

STATE = "slots.json"
_TMP = "slots.tmp"
MAX_TRIES = 1
_EMU_HARD_RESET = 75  # exit status the emulation supervisor reads as a hard reset
_buf = bytearray(512)  # one hashing buffer, allocated once

booted = None  # slot letter this boot runs, or None (no firmware: REPL only)
rolled_back = None  # slot letter abandoned on this boot, if any


def slot_dir(slot):
    return "slot_" + slot


def other(slot):
    return "b" if slot == "a" else "a"


def load():
    try:
        with open(STATE) as f:
            st = json.load(f)
    except (OSError, ValueError):
        st = {}
    return {
        "committed": st.get("committed"),
        "trial": st.get("trial"),
        "tries": st.get("tries", 0),
    }


def save(st):
    with open(_TMP, "w") as f:
        json.dump(st, f)
    os.rename(_TMP, STATE)  # atomic replace: a power cut leaves the old or the new state


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def manifest(slot):
    try:
        with open(slot_dir(slot) + "/manifest.json") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def boot():
    """Pick the slot to run; returns its letter (or None) and puts it on sys.path."""
    global booted, rolled_back
    st = load()
    slot = st["committed"]
    if st["trial"]:
        if st["tries"] < MAX_TRIES:
            st["tries"] += 1
            save(st)
            slot = st["trial"]
        else:
            rolled_back = st["trial"]
            st["trial"] = None
            st["tries"] = 0
            save(st)
    if slot is not None and manifest(slot) is None:
        slot = None
    booted = slot
    if slot is not None:
        d = slot_dir(slot)
        sys.path.insert(0, d + "/lib")
        sys.path.insert(0, d)
    return slot


def sha256_file(path):
    h = hashlib.sha256()
    mv = memoryview(_buf)
    with open(path, "rb") as f:
        while True:
            n = f.readinto(_buf)
            if not n:
                break
            h.update(mv[:n])
    return h.digest()


def _hex(b):
    return "".join("%02x" % x for x in b)


def verify(slot):
    """Recompute every file's sha256 in ``slot``; returns the list of bad paths."""
    m = manifest(slot)
    if m is None:
        return ["manifest.json"]
    bad = []
    d = slot_dir(slot) + "/"
    for entry in m["files"]:
        p = entry["path"]
        try:
            ok = _hex(sha256_file(d + p)) == entry["sha256"]
        except OSError:
            ok = False
        if not ok:
            bad.append(p)
    return bad


def disarm():
    st = load()
    if st["trial"]:
        st["trial"] = None
        st["tries"] = 0
        save(st)


def erase(slot):
    """Remove every file of ``slot`` (recursively) and recreate it empty."""
    _rmtree(slot_dir(slot))
    os.mkdir(slot_dir(slot))


def _rmtree(path):
    if not _exists(path):
        return
    for entry in os.ilistdir(path):
        p = path + "/" + entry[0]
        if entry[1] == 0x4000:
            _rmtree(p)
        else:
            os.remove(p)
    os.rmdir(path)


def makedirs(path):
    cur = ""
    for part in path.split("/"):
        cur = cur + "/" + part if cur else part
        if not _exists(cur):
            os.mkdir(cur)


def arm(slot):
    """After a successful verify: the next boot is a trial boot of ``slot``."""
    bad = verify(slot)
    if bad:
        raise ValueError("slot %s fails verification: %s" % (slot, ",".join(bad)))
    st = load()
    st["trial"] = slot
    st["tries"] = 0
    save(st)


def health():
    """The running slot loads every library module and its lanelink codec round-trips a
    frame; returns (ok, version, error)."""
    m = manifest(booted) if booted else None
    if m is None:
        return False, None, "no firmware"
    has_codec = False
    try:
        for entry in m["files"]:
            p = entry["path"]
            if p.startswith("lib/") and p.endswith(".mpy"):
                name = p[4:-4].replace("/", ".")
                if name.endswith(".__init__"):
                    name = name[:-9]
                __import__(name)
                has_codec = has_codec or name == "lanelink.frame"
        if has_codec:
            # the slot's own lanelink codec must still round-trip a frame
            from lanelink.frame import decode_frames, encode_frame

            if decode_frames(encode_frame(0x01, 0x1234, b"health")) != [(0x01, 0x1234, b"health")]:
                return False, m["version"], "lanelink frame round trip failed"
    except Exception as e:  # noqa: BLE001 - any import failure fails the check
        return False, m["version"], repr(e)
    return True, m["version"], None


def commit():
    """Health check passed: the booted trial slot becomes the committed one."""
    st = load()
    if st["trial"] and st["trial"] == booted:
        st["committed"] = booted
        st["trial"] = None
        st["tries"] = 0
        save(st)
        return True
    return st["committed"] == booted


def board():
    try:
        with open("device.json") as f:
            return json.load(f).get("board")
    except (OSError, ValueError):
        return sys.platform


def info():
    st = load()
    m = manifest(booted) if booted else None
    ok, version, err = health() if m else (False, None, "no firmware")
    out = {
        "board": board(),
        "version": version,
        "slot": booted,
        "committed": st["committed"],
        "trial": st["trial"],
        "rolled_back": rolled_back,
        "healthy": ok,
        "error": err,
    }
    print(json.dumps(out))


def reset():
    try:
        import machine

        machine.reset()
    except (ImportError, AttributeError):
        sys.exit(_EMU_HARD_RESET)  # unix-port emulation: the supervisor restarts the process
