"""sBMS: fused face+finger 1:1 and 1:N latency, and the gallery change-feed catch-up cost.

A SQLite store holds ``--faces`` face templates (planted weak mates, as in
bench_gallery) of which ``--finger-persons`` also have four enrolled slap
fingers. Extracting a synthetic slap costs ~2 s, so the finger persons cycle
over ``--finger-subjects`` distinct synthetic subjects: the comparison cost
per person is that of real, distinct fingers, only the identities repeat
(each duplicate of the probe's subject is one more full comparison, so the
1:N figure is, if anything, pessimistic).

Catch-up: ``--churn`` persons enrolled, then ``--churn`` purged, through the
store's change feed, applied by ``GallerySync`` to the in-memory gallery; set
against the no-change check and a full reload, with search latency before and
after the removals (removed rows stay in the engine as dead rows).

    python bench/bench_sbms.py --faces 10000 --finger-persons 200
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
from openabc.fingerprint.extractor import FingerTemplate, MinutiaeExtractor
from openabc.fingerprint.slap_pipeline import process_slap
from openabc.fingerprint.types import Finger, Hand
from openabc.matcher.fingers import (
    FingerGalleryCache,
    add_finger_templates,
    scan_finger_gallery,
    verify_fingers,
)
from openabc.matcher.gallery import GallerySync, load_gallery
from openabc.matcher.index.planted import plant_weak_mates, random_templates
from openabc.matcher.records import Identity, vector_to_blob
from openabc.matcher.sbms import default_calibration, search, verify
from openabc.matcher.store import MatcherStore, record_gallery_change
from openabc.messages import FaceTemplate
from openabc.seeding.fingers import enrolment_fingers

MODEL = ("face-embed-dlib-resnet", "1.0.0")
SUBJECT_BASE = 810_000
PROBE_CAPTURE_SEED = 55


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1e3:8.1f} ms  p95 {p95 * 1e3:8.1f} ms"


def _time(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def _face(vector: np.ndarray) -> FaceTemplate:
    return FaceTemplate(
        model_id=MODEL[0], model_version=MODEL[1], vector=tuple(float(v) for v in vector)
    )


def _probe_fingers(subject: int, extractor: MinutiaeExtractor) -> dict[Finger, FingerTemplate]:
    scanner = EmulatedFingerprintScanner(subject, capture_seed=PROBE_CAPTURE_SEED)
    result = process_slap(scanner.capture_slap(5.0, Hand.RIGHT), extractor)
    return {f.finger: f.template for f in result.fingers}


def _fill(store: MatcherStore, ids: list[str], vectors: np.ndarray) -> None:
    identity = Identity("BENCH", "PERSON", dt.date(1980, 1, 1), "USA", "F")
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO persons VALUES (?, ?, ?, ?, ?, ?)",
            [(p, identity.surname, identity.given_names, "1980-01-01", "USA", "F") for p in ids],
        )
        conn.executemany(
            "INSERT INTO templates VALUES (?, ?, ?, ?)",
            [(p, *MODEL, vector_to_blob(v)) for p, v in zip(ids, vectors, strict=True)],
        )
        for p in ids:
            record_gallery_change(conn, p, "enrol")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=10_000)
    parser.add_argument("--finger-persons", type=int, default=200)
    parser.add_argument(
        "--finger-subjects", type=int, default=20, help="distinct synthetic subjects (> probes)"
    )
    parser.add_argument("--probes", type=int, default=10)
    parser.add_argument("--churn", type=int, default=100)
    parser.add_argument("--engine", default="auto", choices=["auto", "numpy", "faiss-sq8"])
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    extractor = MinutiaeExtractor()
    calibration = default_calibration(0.6)

    with tempfile.TemporaryDirectory() as tmp:
        store = MatcherStore(Path(tmp) / "bench.sqlite3")
        planted = plant_weak_mates(rng, args.faces, args.probes)
        ids = [f"p{i:07d}" for i in range(args.faces)]
        start = time.perf_counter()
        _fill(store, ids, planted.gallery)
        print(f"store: {args.faces} faces written in {time.perf_counter() - start:.1f} s")

        start = time.perf_counter()
        subjects = [SUBJECT_BASE + s for s in range(args.finger_subjects)]
        enrolled = {s: enrolment_fingers(s) for s in subjects}
        # the planted mates get the probes' subjects' fingers, the rest cycle
        mates = [ids[int(m)] for m in planted.mates]
        others = [p for p in ids if p not in set(mates)]
        finger_persons = mates + others[: max(0, args.finger_persons - args.probes)]
        # one genuine person per probe: the mates get the first subjects, the
        # other finger persons cycle over the rest
        fillers = subjects[args.probes :] or subjects
        owner = {p: subjects[i] for i, p in enumerate(mates)} | {
            p: fillers[i % len(fillers)] for i, p in enumerate(finger_persons[args.probes :])
        }
        with store.transaction():
            for person, subject in owner.items():
                add_finger_templates(store, person, enrolled[subject])
        print(
            f"fingers: {len(owner)} persons x 4 ({len(subjects)} distinct subjects) "
            f"in {time.perf_counter() - start:.1f} s"
        )
        probes = [_probe_fingers(owner[ids[int(m)]], extractor) for m in planted.mates]

        gallery, seq = load_gallery(store, *MODEL, engine=args.engine)  # type: ignore[arg-type]
        cache = FingerGalleryCache()
        start = time.perf_counter()
        finger_gallery = cache.gallery(store)
        print(
            f"gallery: {len(gallery)} faces ({gallery.engine}), finger gallery decoded "
            f"in {(time.perf_counter() - start) * 1e3:.0f} ms"
        )

        # fused 1:1: four Bozorth3 comparisons plus the fusion
        def one_to_one(i: int) -> None:
            mate = ids[int(planted.mates[i])]
            references = finger_gallery[mate]
            result = verify_fingers(probes[i], references)
            verify(float(planted.mate_distances[i]), result.scores, calibration)

        samples = []
        for i in range(args.probes):
            start = time.perf_counter()
            one_to_one(i)
            samples.append(time.perf_counter() - start)
        print(f"fused 1:1 (face distance + 4 fingers)        {_ms(samples)}")

        faces = [_face(p) for p in planted.probes]
        samples = _time(lambda: gallery.search(faces[0], 5), 50)
        print(f"face-only 1:N top-5 over {len(gallery):>7} faces    {_ms(samples)}")
        found = 0
        samples = []
        for i in range(args.probes):
            start = time.perf_counter()
            result = search(
                gallery,
                faces[i],
                probes[i],
                5,
                calibration=calibration,
                search_distance=0.5,
                finger_gallery=finger_gallery,
            )
            samples.append(time.perf_counter() - start)
            found += bool(result.hits) and result.hits[0].person_id == ids[int(planted.mates[i])]
        print(
            f"fused 1:N ({len(gallery)} faces, {len(finger_gallery)} with fingers) "
            f"{_ms(samples)}  rank-1 {found}/{args.probes}"
        )

        samples = []
        for i in range(args.probes):
            start = time.perf_counter()
            scan_finger_gallery(probes[i], finger_gallery, shortlist=0)
            samples.append(time.perf_counter() - start)
        print(f"  of which the one-finger screen (+ its hits)  {_ms(samples)}")
        minutiae = [len(p[f].view.minutiae) for p in probes for f in p]
        print(f"  probe minutiae per finger: median {statistics.median(minutiae):.0f}")

        # gallery sync: catch-up after churn, against a full reload
        sync = GallerySync(store, gallery, *MODEL, since=seq, fingers=cache)
        samples = _time(sync.catch_up, 200)
        print(f"catch-up, nothing changed (MAX(seq))          {_ms(samples)}")
        new_ids = [f"n{i:07d}" for i in range(args.churn)]
        _fill(store, new_ids, random_templates(rng, args.churn))
        start = time.perf_counter()
        stats = sync.catch_up()
        print(
            f"catch-up after {stats.enrolled} enrolments             "
            f"{(time.perf_counter() - start) * 1e3:8.1f} ms  ({len(gallery)} faces)"
        )
        before = _time(lambda: gallery.search(faces[0], 5), 50)
        gone = ids[-args.churn :]
        with store.transaction() as conn:
            for person in gone:
                conn.execute("DELETE FROM templates WHERE person_id=?", (person,))
                record_gallery_change(conn, person, "purge")
        start = time.perf_counter()
        stats = sync.catch_up()
        print(
            f"catch-up after {stats.removed} purges                  "
            f"{(time.perf_counter() - start) * 1e3:8.1f} ms  ({len(gallery)} faces)"
        )
        after = _time(lambda: gallery.search(faces[0], 5), 50)
        print(f"face 1:N before removals                      {_ms(before)}")
        print(f"face 1:N with {args.churn} dead rows (no rebuild)      {_ms(after)}")
        start = time.perf_counter()
        load_gallery(store, *MODEL, engine=args.engine)  # type: ignore[arg-type]
        print(
            f"full reload (the alternative to catch-up)     "
            f"{(time.perf_counter() - start) * 1e3:8.1f} ms"
        )
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
