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
        self._c0 = 0
        self._c15 = 0
        self._clear_in = 0
        self._clear_out = 0
        self._arm_in = True
        self._arm_out = True
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
        if self.high & 0x0003:
            self._arm_in = False
        if self.high & 0xC000:
            self._arm_out = False

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
        # arrivals over the entry edge: the edge is armed once columns 0-1 were clear
        # for _K_EDGE samples; column 0 then blocked for _K_ARRIVE samples is somebody
        # coming in. Column 1 blocked with column 0 clear (somebody inside walking
        # back, not from outside) disarms it.
        if not high & 0x0003:
            self._clear_in += 1
            if self._clear_in >= _K_EDGE:
                self._arm_in = True
        else:
            self._clear_in = 0
            if high & 0x0002 and not high & 0x0001:
                self._arm_in = False
        if high & 1:
            self._c0 += 1
            if self._c0 >= _K_ARRIVE and self._arm_in:
                self._arm_in = False
                self.arrivals += 1
                if self.arrivals >= 2 and not tg:
                    tg = TG_ARRIVE
        else:
            self._c0 = 0
        # the same over the exit edge (columns 15/14): somebody coming the wrong way
        if not high & 0xC000:
            self._clear_out += 1
            if self._clear_out >= _K_EDGE:
                self._arm_out = True
        else:
            self._clear_out = 0
            if high & 0x4000 and not high & 0x8000:
                self._arm_out = False
        if high & 0x8000:
            self._c15 += 1
            if self._c15 >= _K_ARRIVE and self._arm_out:
                self._arm_out = False
                self.wrong_way = True
        else:
            self._c15 = 0
        self.tailgate = tg
