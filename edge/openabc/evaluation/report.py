"""Human-readable table and JSON form of an ``EvaluationReport``.

Why: an operator reads the table; a calibration pipeline or audit archive reads
the JSON. Both state the data's resolution limit (1/N impostor pairs) next to
every FMR, so a figure of 0 is never mistaken for "no false matches ever".
"""

from __future__ import annotations

from typing import Any

from openabc.evaluation.evaluate import EvaluationReport, SampleIssue
from openabc.evaluation.metrics import OperatingPoint

_LIST_LIMIT = 20


def _pct(rate: float) -> str:
    return f"{rate * 100:.3g}%"


def _rate(count: int, total: int) -> str:
    return f"{_pct(count / total)} ({count}/{total})" if total else "n/a"


def _fmr(point: OperatingPoint) -> str:
    text = _rate(point.false_matches, point.n_impostor)
    if point.false_matches == 0:
        text += f", smallest measurable 1/N = {_pct(point.min_measurable_fmr)}"
    return f"{text}; 95% upper bound {_pct(point.fmr_upper95)}"


def _issues(title: str, issues: list[SampleIssue]) -> list[str]:
    if not issues:
        return []
    lines = [f"{title}: {len(issues)}"]
    lines += [f"  {i.path}: {i.reason}" for i in issues[:_LIST_LIMIT]]
    if len(issues) > _LIST_LIMIT:
        lines.append(f"  ... and {len(issues) - _LIST_LIMIT} more")
    return lines


def format_text(report: EvaluationReport) -> str:
    """A plain table of the figures, then everything that was set aside."""
    s, thr, tgt = report.scores, report.at_threshold, report.at_target
    pairs_note = ""
    if s.sampled:
        pairs_note = (
            f"  (sampled with seed {report.seed} from {s.genuine_pairs_available} genuine / "
            f"{s.impostor_pairs_available} impostor pairs)"
        )
    target_note = ""
    if tgt.limited_by_data:
        target_note = (
            f"  [target below 1/N = {_pct(tgt.point.min_measurable_fmr)}: not verifiable "
            f"on this data, threshold stricter than every impostor score]"
        )
    rows = [
        ("modality", f"{report.modality} ({report.score_name})"),
        ("data", str(report.root)),
        ("subjects", str(report.n_subjects)),
        ("images", f"{report.n_images} ({report.n_templates} templated)"),
        ("genuine comparisons", f"{s.genuine.size}{pairs_note}"),
        ("impostor comparisons", str(s.impostor.size)),
        (
            "failure to enrol",
            _rate(len(report.failed_to_enrol), report.n_images - len(report.unreadable)),
        ),
        ("unreadable images", str(len(report.unreadable))),
        ("threshold", f"{thr.threshold:g} ({report.threshold_source})"),
        ("  FMR at threshold", _fmr(thr)),
        ("  FNMR at threshold", _rate(thr.false_non_matches, thr.n_genuine)),
        (f"FNMR at FMR <= {tgt.target_fmr:g}", _rate(tgt.point.false_non_matches, s.genuine.size)),
        ("  threshold for it", f"{tgt.point.threshold:g}{target_note}"),
        ("  observed FMR there", _fmr(tgt.point)),
        ("EER", f"{_pct(report.eer.eer)} (near threshold {report.eer.threshold:g})"),
    ]
    if report.det_path is not None:
        rows.append(("DET curve", str(report.det_path)))
    width = max(len(k) for k, _ in rows)
    lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
    if report.single_sample_subjects:
        names = ", ".join(report.single_sample_subjects[:_LIST_LIMIT])
        lines.append(
            f"single-sample subjects (impostor pairs only): "
            f"{len(report.single_sample_subjects)}: {names}"
        )
    if report.empty_subjects:
        lines.append(
            f"subject folders without images: {len(report.empty_subjects)}: "
            + ", ".join(report.empty_subjects[:_LIST_LIMIT])
        )
    if report.ignored_files:
        lines.append(f"ignored (not images / not in a subject folder): {len(report.ignored_files)}")
        lines += [f"  {p}" for p in report.ignored_files[:_LIST_LIMIT]]
    lines += _issues("unreadable", report.unreadable)
    lines += _issues("failed to enrol", report.failed_to_enrol)
    return "\n".join(lines)


def _point(point: OperatingPoint) -> dict[str, Any]:
    return {
        "threshold": point.threshold,
        "fmr": point.fmr,
        "fnmr": point.fnmr,
        "false_matches": point.false_matches,
        "false_non_matches": point.false_non_matches,
        "fmr_upper95": point.fmr_upper95,
    }


def to_dict(report: EvaluationReport) -> dict[str, Any]:
    """JSON-ready figures and the full lists of set-aside samples."""
    s = report.scores
    return {
        "modality": report.modality,
        "data": str(report.root),
        "score": s.direction.value,
        "score_name": report.score_name,
        "n_subjects": report.n_subjects,
        "n_images": report.n_images,
        "n_templates": report.n_templates,
        "n_genuine": int(s.genuine.size),
        "n_impostor": int(s.impostor.size),
        "genuine_pairs_available": s.genuine_pairs_available,
        "impostor_pairs_available": s.impostor_pairs_available,
        "pair_sampling_seed": report.seed if s.sampled else None,
        "min_measurable_fmr": 1.0 / s.impostor.size,
        "failure_to_enrol_rate": report.failure_to_enrol_rate,
        "threshold_source": report.threshold_source,
        "at_threshold": _point(report.at_threshold),
        "at_target_fmr": {
            "target_fmr": report.at_target.target_fmr,
            "limited_by_data": report.at_target.limited_by_data,
            **_point(report.at_target.point),
        },
        "eer": report.eer.eer,
        "eer_threshold": report.eer.threshold,
        "det_png": str(report.det_path) if report.det_path else None,
        "single_sample_subjects": report.single_sample_subjects,
        "empty_subjects": report.empty_subjects,
        "ignored_files": [str(p) for p in report.ignored_files],
        "unreadable": [{"path": str(i.path), "reason": i.reason} for i in report.unreadable],
        "failed_to_enrol": [
            {"path": str(i.path), "reason": i.reason} for i in report.failed_to_enrol
        ],
    }
