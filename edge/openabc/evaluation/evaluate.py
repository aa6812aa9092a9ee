"""One evaluation run: enrol every sample, score pairs, measure, plot.

Why: the same sequence serves the CLI, the tests and manifest calibration, so
the figures written into a manifest are produced exactly as an agency would
reproduce them on its own data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from openabc.evaluation.dataset import DatasetError, LabelledFolder
from openabc.evaluation.det import Marker, write_det_png
from openabc.evaluation.metrics import (
    EqualErrorRate,
    OperatingPoint,
    TargetPoint,
    equal_error_rate,
    error_tradeoff,
    operating_point,
    threshold_at_fmr,
)
from openabc.evaluation.samples import EnrolmentFailure, Modality, UnreadableImage
from openabc.evaluation.scores import DEFAULT_MAX_PAIRS, ScoreSet, generate_scores

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class SampleIssue:
    """A sample that could not be used, and why."""

    path: Path
    reason: str


@dataclass
class Enrolment(Generic[T]):
    """Templates by subject plus the samples that yielded none."""

    templates: dict[str, list[T]] = field(default_factory=dict)
    unreadable: list[SampleIssue] = field(default_factory=list)
    failed_to_enrol: list[SampleIssue] = field(default_factory=list)

    @property
    def n_attempted(self) -> int:
        used = sum(len(v) for v in self.templates.values())
        return used + len(self.unreadable) + len(self.failed_to_enrol)


def enrol_folder(folder: LabelledFolder, modality: Modality[T]) -> Enrolment[T]:
    """Template every sample; unreadable files and failures to enrol are recorded."""
    enrolment: Enrolment[T] = Enrolment()
    for subject, samples in folder.samples.items():
        for sample in samples:
            try:
                template = modality.template(sample.path)
            except UnreadableImage as exc:
                enrolment.unreadable.append(SampleIssue(sample.path, str(exc)))
                continue
            except EnrolmentFailure as exc:
                enrolment.failed_to_enrol.append(SampleIssue(sample.path, str(exc)))
                continue
            enrolment.templates.setdefault(subject, []).append(template)
    logger.info(
        "%s: %d templates, %d unreadable, %d failed to enrol",
        folder.root,
        sum(len(v) for v in enrolment.templates.values()),
        len(enrolment.unreadable),
        len(enrolment.failed_to_enrol),
    )
    return enrolment


@dataclass(frozen=True)
class EvaluationReport:
    """Everything an evaluation found, ready to print, serialise or archive."""

    modality: str
    root: Path
    score_name: str
    n_subjects: int
    n_images: int
    n_templates: int
    single_sample_subjects: list[str]
    empty_subjects: list[str]
    ignored_files: list[Path]
    unreadable: list[SampleIssue]
    failed_to_enrol: list[SampleIssue]
    scores: ScoreSet
    threshold_source: str
    at_threshold: OperatingPoint
    at_target: TargetPoint
    eer: EqualErrorRate
    seed: int
    det_path: Path | None

    @property
    def failure_to_enrol_rate(self) -> float:
        readable = self.n_images - len(self.unreadable)
        return len(self.failed_to_enrol) / readable if readable else 0.0


def evaluate(
    folder: LabelledFolder,
    modality: Modality[T],
    *,
    threshold: float,
    threshold_source: str,
    target_fmr: float = 0.001,
    max_pairs: int = DEFAULT_MAX_PAIRS,
    seed: int = 0,
    det_path: Path | None = None,
) -> EvaluationReport:
    """Measure ``modality`` on ``folder``; raises DatasetError when no pair can be formed."""
    enrolment = enrol_folder(folder, modality)
    templates = enrolment.templates
    if not any(len(v) >= 2 for v in templates.values()):
        raise DatasetError(
            f"{folder.root}: no subject has two usable samples, so there are no genuine pairs "
            f"({len(enrolment.unreadable)} unreadable, "
            f"{len(enrolment.failed_to_enrol)} failed to enrol)"
        )
    if len(templates) < 2:
        raise DatasetError(
            f"{folder.root}: only one subject has usable samples, so there are no impostor pairs"
        )
    scores = generate_scores(
        templates, modality.compare, modality.direction, max_pairs=max_pairs, seed=seed
    )
    at_threshold = operating_point(scores.genuine, scores.impostor, threshold, modality.direction)
    at_target = threshold_at_fmr(scores.genuine, scores.impostor, target_fmr, modality.direction)
    eer = equal_error_rate(scores.genuine, scores.impostor, modality.direction)
    if det_path is not None:
        write_det_png(
            error_tradeoff(scores.genuine, scores.impostor, modality.direction),
            det_path,
            title=f"DET, {modality.name}: {folder.root.name}",
            n_genuine=int(scores.genuine.size),
            n_impostor=int(scores.impostor.size),
            markers=(
                Marker(f"threshold {threshold:g}", at_threshold.fmr, at_threshold.fnmr),
                Marker(f"EER {eer.eer:.2%}", eer.eer, eer.eer),
            ),
        )
    n_templates = sum(len(v) for v in templates.values())
    return EvaluationReport(
        modality=modality.name,
        root=folder.root,
        score_name=modality.score_name,
        n_subjects=len(templates),
        n_images=folder.n_images,
        n_templates=n_templates,
        single_sample_subjects=sorted(s for s, v in templates.items() if len(v) == 1),
        empty_subjects=list(folder.empty_subjects),
        ignored_files=list(folder.ignored_files),
        unreadable=enrolment.unreadable,
        failed_to_enrol=enrolment.failed_to_enrol,
        scores=scores,
        threshold_source=threshold_source,
        at_threshold=at_threshold,
        at_target=at_target,
        eer=eer,
        seed=seed,
        det_path=det_path,
    )
