"""Labelled-folder loading: ``DIR/<subject_or_finger_id>/<image files>``.

Why: an agency's evaluation set is usually a plain directory tree. Everything
that cannot be used (empty folders, single-sample subjects, unreadable images,
other files) is counted and reported, because silently dropping samples biases
the error rates that the thresholds are later calibrated from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"})


class DatasetError(ValueError):
    """The folder cannot yield an evaluation (no subjects, no pairs, not a folder)."""


@dataclass(frozen=True)
class Sample:
    """One labelled image file."""

    subject: str
    path: Path


@dataclass
class LabelledFolder:
    """The usable images of a folder, by subject, plus everything set aside."""

    root: Path
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    empty_subjects: list[str] = field(default_factory=list)
    ignored_files: list[Path] = field(default_factory=list)

    @property
    def n_images(self) -> int:
        return sum(len(v) for v in self.samples.values())

    def single_sample_subjects(self) -> list[str]:
        """Subjects that give no genuine pair (they still serve as impostors)."""
        return sorted(s for s, v in self.samples.items() if len(v) == 1)


def scan_labelled_folder(root: Path) -> LabelledFolder:
    """List the image files of each subject directory, sorted for reproducibility.

    Raises DatasetError when ``root`` is not a directory or holds no images.
    Files directly in ``root``, dot-entries and non-image files are listed as
    ignored (reported, not used).
    """
    if not root.is_dir():
        raise DatasetError(f"{root} is not a directory")
    folder = LabelledFolder(root=root)
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or not entry.is_dir():
            folder.ignored_files.append(entry)
            continue
        images: list[Sample] = []
        for path in sorted(entry.iterdir()):
            if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
                images.append(Sample(subject=entry.name, path=path))
            else:
                folder.ignored_files.append(path)
        if images:
            folder.samples[entry.name] = images
        else:
            folder.empty_subjects.append(entry.name)
    if not folder.samples:
        raise DatasetError(
            f"{root} holds no images: expected {root}/<subject_id>/<image files> "
            f"with suffixes {', '.join(sorted(IMAGE_SUFFIXES))}"
        )
    return folder
