"""``openabc eval face|finger DIR`` and ``openabc eval synth-fingers OUT``.

Why: calibration has to be runnable by an agency's technician on its own data
with one command. This module imports only argparse at load time so that the
other ``openabc`` subcommands stay fast; models and matplotlib load on use.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from openabc.evaluation.dataset import LabelledFolder
    from openabc.evaluation.evaluate import EvaluationReport

EXIT_DATA_ERROR = 2


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", type=Path, help="labelled folder: DIR/<subject_id>/<images>")
    p.add_argument(
        "--fmr", type=float, default=0.001, help="target FMR for the FNMR@FMR figure (0.001)"
    )
    p.add_argument(
        "--threshold", type=float, default=None, help="decision threshold (default: manifest)"
    )
    p.add_argument("--det", type=Path, default=None, help="write the DET curve to this PNG")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--max-pairs", type=int, default=100_000, help="cap per pair class; above it, sample"
    )
    p.add_argument("--seed", type=int, default=0, help="pair-sampling seed")
    p.add_argument("--models-dir", type=Path, default=None, help="default: from the settings")


def add_eval_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``eval`` on the main parser's subparsers; returns its parser."""
    ev: argparse.ArgumentParser = sub.add_parser(
        "eval", help="FMR/FNMR/EER and DET curve on a labelled image folder"
    )
    kinds = ev.add_subparsers(dest="modality", required=True)
    face = kinds.add_parser("face", help="face pipeline, euclidean distance")
    _add_common(face)
    face.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads")
    finger = kinds.add_parser("finger", help="NBIS MINDTCT + Bozorth3, 500 ppi images")
    _add_common(finger)
    synth = kinds.add_parser("synth-fingers", help="write emulated finger impressions as PNG")
    synth.add_argument("folder", type=Path, help="output folder")
    synth.add_argument("--fingers", type=int, default=40)
    synth.add_argument("--impressions", type=int, default=5)
    synth.add_argument("--subject-seed", type=int, default=1000)
    synth.add_argument("--capture-seed", type=int, default=0)
    synth.set_defaults(models_dir=None)
    return ev


def run_eval_command(args: argparse.Namespace, models_dir: Path, out: TextIO, err: TextIO) -> int:
    """0 on success, 2 when the data cannot give an evaluation, 1 on a model error."""
    from openabc.evaluation.dataset import DatasetError, scan_labelled_folder
    from openabc.fingerprint.extractor import ExtractorUnavailable
    from openabc.inference.errors import ModelError

    if args.modality == "synth-fingers":
        from openabc.evaluation.synthetic import write_synthetic_fingers

        paths = write_synthetic_fingers(
            args.folder,
            fingers=args.fingers,
            impressions=args.impressions,
            subject_seed=args.subject_seed,
            capture_seed=args.capture_seed,
        )
        out.write(f"wrote {len(paths)} images to {args.folder}\n")
        return 0
    if not 0.0 < args.fmr < 1.0:
        err.write("openabc eval: --fmr must be between 0 and 1\n")
        return EXIT_DATA_ERROR
    if args.max_pairs < 1:
        err.write("openabc eval: --max-pairs must be positive\n")
        return EXIT_DATA_ERROR
    try:
        folder = scan_labelled_folder(args.folder)
        report = _evaluate(args, folder, models_dir)
    except DatasetError as exc:
        err.write(f"openabc eval: {exc}\n")
        return EXIT_DATA_ERROR
    except (ModelError, ExtractorUnavailable) as exc:
        err.write(f"openabc eval: model problem: {exc}\n")
        return 1
    from openabc.evaluation.report import format_text, to_dict

    if args.json:
        out.write(json.dumps(to_dict(report), indent=2) + "\n")
    else:
        out.write(format_text(report) + "\n")
    return 0


def _evaluate(
    args: argparse.Namespace, folder: LabelledFolder, models_dir: Path
) -> EvaluationReport:
    """Threshold from the flag or the manifest (checked first: fail fast), then run."""
    from openabc.evaluation.evaluate import evaluate

    threshold: float = args.threshold
    source = "--threshold"
    if args.modality == "face":
        from openabc.evaluation.face import FaceModality, face_manifest_path, load_face_threshold

        if args.threshold is None:
            source = f"manifest {face_manifest_path(models_dir)}"
            threshold = load_face_threshold(models_dir)
        face = FaceModality.from_models(models_dir, threads=args.threads)
        return evaluate(
            folder,
            face,
            threshold=threshold,
            threshold_source=source,
            target_fmr=args.fmr,
            max_pairs=args.max_pairs,
            seed=args.seed,
            det_path=args.det,
        )
    from openabc.evaluation.comparator_manifest import finger_manifest_path, load_finger_threshold
    from openabc.evaluation.finger import FingerModality

    if args.threshold is None:
        source = f"manifest {finger_manifest_path(models_dir)}"
        threshold = load_finger_threshold(models_dir)
    return evaluate(
        folder,
        FingerModality(),
        threshold=threshold,
        threshold_source=source,
        target_fmr=args.fmr,
        max_pairs=args.max_pairs,
        seed=args.seed,
        det_path=args.det,
    )
