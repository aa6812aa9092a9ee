"""Decisions per second through MQTT: 8 kiosks against 1, 2 and 3 matcher workers.

``--store sqlite postgres`` runs every worker count on both engines in the
same session (interleaved), PostgreSQL on a throwaway local server
(``PostgresServer``) with one fresh database per run. That server runs with
fsync off while SQLite fsyncs the store's commits, so PostgreSQL's commits
here cost less than on a production server: read its numbers as the
protocol's and the pool's cost, not the disk's.

Everything is real except the face templates (seeded with the fake templater,
so no model is loaded): a Mosquitto child, ``openabc matcher`` worker
processes on one SQLite store behind the shared subscription, and 8 kiosk
processes, each with its own bus and ``MqttMatcherClient`` (resends on), in a
closed loop for a fixed window. The 1-worker run is the baseline. Kiosks,
workers and broker share this machine's cores, so the numbers are a floor
for a deployment where kiosks are other machines.

Workers scale by processes, so each should run BLAS single-threaded: with
OpenBLAS's default (one thread per core) two or three workers spin against
each other and CPU per decision grows with the worker count. ``--blas-threads``
sets OPENBLAS_NUM_THREADS/OMP_NUM_THREADS for the workers (0: library default).

Run: .venv/bin/python bench/bench_decisions.py [--seconds 10] [--filler 2000]
     [--store sqlite postgres] [--workers 1 2 3]
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from openabc import topics
from openabc.config import BrokerSettings, MatcherSettings, OpenAbcSettings
from openabc.lane.matcher_client import MqttMatcherClient
from openabc.mqtt.broker import MosquittoBroker
from openabc.mqtt.bus import MqttBus
from openabc.mqtt.rpc import RpcClient
from openabc.runtime.postgres import PostgresServer
from openabc.runtime.processes import ServiceProcess, wait_matcher_online, write_settings
from openabc.seeding.cli import run_seed
from openabc.seeding.fakes import fake_template_for_image
from openabc.seeding.models import load_population

KIOSKS = 8
DECISION_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class KioskResult:
    latencies_ms: list[float]
    failures: int
    resends: int
    cpu_s: float


def kiosk(settings: OpenAbcSettings, index: int, start_at: float, seconds: float) -> KioskResult:
    """One kiosk process: decisions back to back during [start_at, start_at + seconds)."""
    kiosk_id = f"bench-kiosk-{index}"
    population = load_population(settings.seeds_dir / "population.json")
    travellers = [
        (
            t.document,
            fake_template_for_image(Path(t.live_image)),
            fake_template_for_image(Path(t.portrait_image)),
        )
        for t in population.travellers
    ]
    latencies: list[float] = []
    failures = 0
    with MqttBus(settings.broker, client_id=f"{settings.region}-{kiosk_id}") as bus:
        bus.connect(10)
        rpc = RpcClient(bus, topics.kiosk_replies(settings.region, kiosk_id))
        client = MqttMatcherClient(
            rpc, region=settings.region, kiosk_id=kiosk_id, lane_id=f"lane-{index}"
        )
        time.sleep(max(0.0, start_at - time.time()))
        n = index
        cpu_start = time.process_time()
        while time.time() < start_at + seconds:
            document, live, portrait = travellers[n % len(travellers)]
            n += 1
            began = time.perf_counter()
            try:
                client.check(
                    document=document,
                    live_face=live,
                    portrait_face=portrait,
                    timeout=DECISION_TIMEOUT_S,
                )
            except Exception:  # noqa: BLE001 - counted, the bench goes on
                failures += 1
                continue
            latencies.append((time.perf_counter() - began) * 1000)
        cpu_s = time.process_time() - cpu_start
        return KioskResult(latencies, failures, rpc.resends, cpu_s)


def _start_workers(settings: OpenAbcSettings, count: int, workdir: Path) -> list[ServiceProcess]:
    workers: list[tuple[OpenAbcSettings, ServiceProcess]] = []
    for n in range(1, count + 1):
        worker_id = f"bench-worker-{n}"
        own = settings.model_copy(
            update={"matcher": settings.matcher.model_copy(update={"worker_id": worker_id})}
        )
        config = write_settings(own, workdir / f"{worker_id}.yaml")
        process = ServiceProcess("matcher", config, workdir / f"{worker_id}.log")
        process.start()
        workers.append((own, process))
    for own, process in workers:
        wait_matcher_online(own, process, timeout=60)
    return [process for _, process in workers]


def _cpu_s(processes: list[ServiceProcess]) -> float:
    """User + system CPU seconds of the worker processes so far (Linux /proc)."""
    total = 0
    for process in processes:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _matcher_settings(
    workers: int, workdir: Path, postgres: PostgresServer | None
) -> MatcherSettings:
    """A fresh SQLite file, or a fresh database on ``postgres``."""
    sqlite = workdir / f"matcher-{workers}.sqlite3"
    if postgres is None:
        return MatcherSettings(database=sqlite)
    name = f"bench_{workdir.name}".lower()
    with psycopg.connect(postgres.dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return MatcherSettings(database=sqlite, database_url=make_conninfo(postgres.dsn, dbname=name))


def run(
    workers: int,
    seconds: float,
    filler: int,
    broker: BrokerSettings,
    workdir: Path,
    postgres: PostgresServer | None = None,
) -> dict[str, float]:
    workdir.mkdir(parents=True, exist_ok=True)
    settings = OpenAbcSettings(
        region=f"bench{workers}",
        broker=broker,
        seeds_dir=workdir / "seeds",
        matcher=_matcher_settings(workers, workdir, postgres),
    )
    run_seed(settings, template_for_image=fake_template_for_image, filler=filler, seed=20260101)
    processes = _start_workers(settings, workers, workdir)
    try:
        start_at = time.time() + 3.0  # kiosks connected and warmed (imports) by then
        with mp.get_context("spawn").Pool(KIOSKS) as pool:
            pending = pool.starmap_async(
                kiosk, [(settings, i, start_at, seconds) for i in range(KIOSKS)]
            )
            time.sleep(max(0.0, start_at - time.time()))
            cpu_before = _cpu_s(processes)
            results = pending.get()
            worker_cpu = _cpu_s(processes) - cpu_before
    finally:
        for process in processes:
            process.stop()
    latencies = sorted(ms for r in results for ms in r.latencies_ms)
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "workers": workers,
        "decisions": len(latencies),
        "per_s": len(latencies) / seconds,
        "p50_ms": quantiles[49],
        "p95_ms": quantiles[94],
        "failures": sum(r.failures for r in results),
        "resends": sum(r.resends for r in results),
        "worker_cpu_ms": 1000 * worker_cpu / max(1, len(latencies)),
        "kiosk_cpu_ms": 1000 * sum(r.cpu_s for r in results) / max(1, len(latencies)),
    }


def _print(store: str, row: dict[str, float], baseline: float) -> None:
    print(
        f"{store:>8} {row['workers']:>7.0f} {row['decisions']:>9.0f} {row['per_s']:>7.1f} "
        f"{row['per_s'] / baseline:>6.2f}x {row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f} "
        f"{row['failures']:>6.0f} {row['resends']:>6.0f} "
        f"{row['worker_cpu_ms']:>10.2f} {row['kiosk_cpu_ms']:>10.2f}"
    )


HEADER = (
    f"{'store':>8} {'workers':>7} {'decisions':>9} {'per s':>7} {'vs base':>7} {'p50 ms':>7} "
    f"{'p95 ms':>7} {'failed':>6} {'resent':>6} {'worker cpu':>10} {'kiosk cpu':>10}"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per run")
    parser.add_argument("--filler", type=int, default=2000, help="synthetic gallery persons")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved repetitions")
    parser.add_argument("--blas-threads", type=int, default=1, help="per worker; 0: default")
    parser.add_argument(
        "--store", nargs="+", choices=["sqlite", "postgres"], default=["sqlite"],
        help="engines to run (postgres: a throwaway local PostgresServer)",
    )
    args = parser.parse_args()
    if args.blas_threads > 0:  # inherited by the worker processes started below
        os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(args.blas_threads)
    print(
        f"{KIOSKS} kiosk processes, closed loop, {args.seconds:.0f} s per run, "
        f"gallery filler {args.filler}, BLAS threads per worker {args.blas_threads or 'default'}, "
        f"{os.cpu_count()} CPUs shared by all processes; "
        "cpu = CPU ms per decision, all workers / all kiosks; "
        f"baseline: {args.store[0]} with {args.workers[0]} worker"
    )
    runs = [(store, n) for n in args.workers for store in args.store]
    rows: dict[tuple[str, int], list[dict[str, float]]] = {key: [] for key in runs}
    with contextlib.ExitStack() as stack:
        broker = stack.enter_context(MosquittoBroker())
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        postgres = stack.enter_context(PostgresServer()) if "postgres" in args.store else None
        settings = BrokerSettings(host=broker.host, port=broker.port)
        for round_ in range(args.rounds):
            print(f"round {round_ + 1}\n{HEADER}")
            for store, n in runs:  # interleaved so load from elsewhere hits all alike
                server = postgres if store == "postgres" else None
                workdir = tmp / f"r{round_}w{n}{store}"
                rows[store, n].append(run(n, args.seconds, args.filler, settings, workdir, server))
                _print(store, rows[store, n][-1], rows[runs[0]][-1]["per_s"])
    medians = {
        key: {field: statistics.median(r[field] for r in results) for field in results[0]}
        for key, results in rows.items()
    }
    print(f"median of {args.rounds} rounds\n{HEADER}")
    for key in runs:
        _print(key[0], medians[key], medians[runs[0]]["per_s"])


if __name__ == "__main__":
    main()
