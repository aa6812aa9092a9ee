"""Occupancy / anti-tailgating detector for the gate's beam array (pure).

The array has ``NCOLS`` = 16 columns at 0.10 m pitch along the 1.6 m
chamber (column 0 at the entry door, column 15 at the exit door) and two
rows, each sampled as a 16-bit mask (bit i = column i blocked):

* LOW row, 0.30 m above the floor: legs, luggage, trolleys, children.
* HIGH row, 0.85 m: hips/torso of adults and of children taller than
  about 0.95 m; above suitcases and loaded trolleys (< 0.80 m).

A person is a run of blocked HIGH columns; LOW-only objects are luggage
(they keep the chamber "occupied" but are never counted as people).
Tailgating (``tailgate`` != 0) is any of:

* SPLIT  two HIGH runs separated by at least one clear column for
         ``_K_SPLIT`` samples in a row (two people with a gap);
* LONG   one HIGH run of ``_MAX_ONE`` columns (>= 0.6 m) or more for
         ``_K_LONG`` samples (two people touching; one adult's hip depth
         incl. arm swing and a backpack stays below ~0.6 m). Two slim
         adults pressed together (< 0.6 m in all) are NOT separable by a
         single-height curtain: see firmware/SAFETY.md;
* ARRIVE a second person entering over the entry edge: column 0 of the
         HIGH row blocked for ``_K_ARRIVE`` samples after columns 0-1 were
         clear for ``_K_EDGE`` samples (somebody coming from outside; the
         traveller backing up blocks column 1 first and disarms the edge).

Someone appearing over the exit edge the same way is ``wrong_way``.
``update`` allocates nothing (integers only); call it once per debounced
sample (every 10 ms).
"""

try:
    from micropython import const  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # CPython

    def const(x: int) -> int:  # type: ignore[no-redef, misc, unused-ignore]
        return x


NCOLS = const(16)
PITCH_MM = const(100)
ENTRY_ZONE = const(0x0007)  # columns 0..2 (door swing / first 0.3 m)
EXIT_ZONE = const(0xE000)  # columns 13..15
_LAST = const(15)
_MAX_ONE = const(7)
_K_SPLIT = const(6)
_K_LONG = const(10)
_K_ARRIVE = const(4)
_K_EDGE = const(3)

# tailgate reasons
TG_NONE = const(0)
TG_SPLIT = const(1)
TG_LONG = const(2)
TG_ARRIVE = const(3)


class _Edge:
    """One door edge of the HIGH row: tells somebody coming in over it from outside
    apart from somebody inside stepping back onto it.

    The edge arms once its two columns were clear for ``_K_EDGE`` samples; the door
    column then blocked for ``_K_ARRIVE`` samples is an arrival. The inner column
    blocked with the door column clear (somebody inside walking back) disarms it.
    """

    def __init__(self, door: int, inner: int) -> None:
        self._door = door
        self._inner = inner
        self._clear = 0
        self._blocked = 0
        self.armed = True

    def disarm_if_blocked(self, high: int) -> None:
        if high & (self._door | self._inner):
            self.armed = False

    def arrived(self, high: int) -> bool:
        """True once per person crossing the edge from outside (allocates nothing)."""
        if not high & (self._door | self._inner):
            self._clear += 1
            if self._clear >= _K_EDGE:
                self.armed = True
        else:
            self._clear = 0
            if high & self._inner and not high & self._door:
                self.armed = False
        if high & self._door:
            self._blocked += 1
            if self._blocked >= _K_ARRIVE and self.armed:
                self.armed = False
                return True
        else:
            self._blocked = 0
        return False


class Occupancy:
    def __init__(self) -> None:
        self.low = 0
        self.high = 0
        self.arrivals = 0
        self.persons = 0
        self.tailgate = TG_NONE
        self.wrong_way = False
        self.seen_exit = False
        self._split = 0
        self._long = 0
        self._entry = _Edge(0x0001, 0x0002)  # columns 0 (door) and 1
        self._exit = _Edge(0x8000, 0x4000)  # columns 15 (door) and 14
        self.reset()

    def reset(self) -> None:
        """Start a new admission (keeps the current picture as the baseline)."""
        self.arrivals = 0
        self.persons = 0
        self.tailgate = TG_NONE
        self.wrong_way = False
        self.seen_exit = False
        self._split = 0
        self._long = 0
        # whoever is already on an edge when the admission starts is not "arriving"
        self._entry.disarm_if_blocked(self.high)
        self._exit.disarm_if_blocked(self.high)

    @property
    def occupied(self) -> bool:
        return bool(self.low | self.high)

    @property
    def entry_zone(self) -> bool:
        return bool((self.low | self.high) & ENTRY_ZONE)

    @property
    def exit_zone(self) -> bool:
        return bool((self.low | self.high) & EXIT_ZONE)

    def update(self, low: int, high: int) -> None:
        self.low = low
        self.high = high
        nseg = 0
        run = 0
        longest = 0
        hi = -1
        prev = 0
        h = high
        for i in range(NCOLS):
            b = h & 1
            h >>= 1
            if b:
                if not prev:
                    nseg += 1
                    run = 0
                run += 1
                if run > longest:
                    longest = run
                hi = i
            prev = b
        if nseg > self.persons:
            self.persons = nseg
        if hi >= 13:
            self.seen_exit = True
        # SPLIT / LONG
        self._split = self._split + 1 if nseg >= 2 else 0
        self._long = self._long + 1 if longest >= _MAX_ONE else 0
        tg = self.tailgate
        if not tg:
            if self._split >= _K_SPLIT:
                tg = TG_SPLIT
            elif self._long >= _K_LONG:
                tg = TG_LONG
        # arrivals over the entry edge; someone coming over the exit edge the same
        # way is walking the wrong way
        if self._entry.arrived(high):
            self.arrivals += 1
            if self.arrivals >= 2 and not tg:
                tg = TG_ARRIVE
        if self._exit.arrived(high):
            self.wrong_way = True
        self.tailgate = tg
