"""`openabc demo`: the whole system on one machine, streaming a mixed population.

Broker (Mosquitto when installed, else the embedded amqtt), a seeded matcher
in its own process, and two emulated lanes whose gates run the real
MicroPython firmware. Prints what happens to each traveller and a summary.
Ctrl-C stops everything cleanly.
"""

from __future__ import annotations

import statistics
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from openabc.composition import face_pipeline, liveness_check, seed_matcher, stop_on_signals
from openabc.config import OpenAbcSettings
from openabc.lane.emulated import EmulatedLane
from openabc.lane.outcome import TravellerOutcome
from openabc.messages import Decision
from openabc.mqtt.broker import BrokerProcess, EmbeddedBroker, MosquittoBroker, start_default_broker
from openabc.runtime.processes import ServiceProcess, wait_matcher_online, write_settings
from openabc.seeding.models import SeedTraveller, load_population

DEMO_SEED = 20260101
DEMO_FILLER = 2000


@dataclass(frozen=True)
class Served:
    lane_id: str
    traveller: SeedTraveller
    outcome: TravellerOutcome

    @property
    def as_expected(self) -> bool:
        expected = self.traveller.expected_decision
        if expected is Decision.ACCEPT:
            return self.outcome.outcome == "passed"
        wanted = {reason.value for reason in self.traveller.expected_reasons}
        return self.outcome.outcome == "referred" and wanted <= set(self.outcome.reasons)


@contextmanager
def _broker(kind: str) -> Iterator[BrokerProcess]:
    broker: BrokerProcess
    if kind == "mosquitto":
        broker = MosquittoBroker()
        broker.start()
    elif kind == "amqtt":
        broker = EmbeddedBroker()
        broker.start()
    else:
        broker = start_default_broker()
    try:
        yield broker
    finally:
        broker.close()


def run_demo(settings: OpenAbcSettings, *, rounds: int, broker: str) -> int:
    """Run the demo; exit status 0 when every traveller got the expected outcome."""
    stop = stop_on_signals()
    with ExitStack() as stack:
        mqtt = stack.enter_context(_broker(broker))
        settings = settings.model_copy(update={
            "broker": settings.broker.model_copy(update={"host": mqtt.host, "port": mqtt.port}),
        })
        print(f"broker    {type(mqtt).__name__} on {mqtt.host}:{mqtt.port}")
        print(f"seed      {seed_matcher(settings, filler=DEMO_FILLER, seed=DEMO_SEED)}")
        workdir = settings.matcher.database.parent / "demo"
        config = write_settings(settings, workdir / "settings.yaml")
        matcher = stack.enter_context(ServiceProcess("matcher", config, workdir / "matcher.log"))
        wait_matcher_online(settings, matcher)
        print(f"matcher   online (pid {matcher.pid}, log {workdir / 'matcher.log'})")
        lanes = [
            stack.enter_context(EmulatedLane(settings, lane, face_pipeline(settings),
                                             liveness=liveness_check(settings), rng_seed=i))
            for i, lane in enumerate(settings.lanes)
        ]
        print(f"lanes     {', '.join(lane.lane.lane_id for lane in lanes)} "
              "(gate firmware in MicroPython on a pty)\n")
        travellers = load_population(settings.seeds_dir / "population.json").travellers
        queue = [t for _ in range(rounds) for t in travellers]
        print(f"{'lane':<7} {'traveller':<14} {'matcher':<7} {'reasons (guard only)':<28} "
              f"{'doc→decision':>8}  what the traveller sees")
        served = _stream(lanes, queue, stop)
    _print_summary(served, interrupted=stop.is_set())
    return 0 if served and all(s.as_expected for s in served) and not stop.is_set() else 1


def _stream(
    lanes: list[EmulatedLane], queue: list[SeedTraveller], stop: threading.Event
) -> list[Served]:
    """Each lane serves its share of the queue in its own thread."""
    served: list[Served] = []
    lock = threading.Lock()

    def work(lane: EmulatedLane, share: list[SeedTraveller]) -> None:
        for traveller in share:
            if stop.is_set():
                return
            result = Served(lane.lane.lane_id, traveller, lane.serve(traveller))
            with lock:
                served.append(result)
                print_served(result)

    shares: dict[int, list[SeedTraveller]] = {i: [] for i in range(len(lanes))}
    for direction in ("entry", "exit"):
        mine = [i for i, lane in enumerate(lanes) if lane.lane.direction == direction]
        travellers = [t for t in queue if t.direction == direction]
        for n, traveller in enumerate(travellers):
            if not mine:
                raise ValueError(f"no {direction} lane configured for {traveller.archetype}")
            shares[mine[n % len(mine)]].append(traveller)
    threads = [
        threading.Thread(target=work, args=(lane, shares[i]), daemon=True)
        for i, lane in enumerate(lanes)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.2)
    return served


def print_served(result: Served) -> None:
    """One line per traveller; reasons are for the operator, never the traveller."""
    print(_line(result), flush=True)


def _line(result: Served) -> str:
    outcome = result.outcome
    reasons = ",".join(outcome.reasons) or "-"
    decision = outcome.decision.value if outcome.decision else "-"
    mark = "ok " if result.as_expected else "UNEXPECTED"
    return (
        f"{result.lane_id:<7} {result.traveller.archetype.value:<14} {decision:<7} "
        f"{reasons:<28} {outcome.timings_ms.get('document_to_decision', 0):5.0f} ms  "
        f"screen: {outcome.traveller_message!r:<28} {mark}"
    )


def _percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _print_summary(served: list[Served], *, interrupted: bool) -> None:
    print()
    if interrupted:
        print("interrupted: stopped cleanly")
    if not served:
        print("no traveller served")
        return
    passed = sum(1 for s in served if s.outcome.outcome == "passed")
    expected = sum(1 for s in served if s.as_expected)
    print(f"travellers {len(served)}: {passed} passed, {len(served) - passed} referred; "
          f"{expected}/{len(served)} as expected")
    for key, label in (
        ("document_to_decision", "document → decision"),
        ("chip_check", "chip passive authentication"),
        ("portrait_template", "chip portrait template"),
        ("face_capture", "live face capture + PAD"),
        ("finger_capture", "four-finger slap"),
        ("decision_round_trip", "matcher round trip"),
    ):
        values = [s.outcome.timings_ms[key] for s in served if key in s.outcome.timings_ms]
        if values:
            print(f"{label:<28} p50 {_percentile(values, 50):7.1f} ms   "
                  f"p95 {_percentile(values, 95):7.1f} ms   (n={len(values)})")
