"""Check every ``models/**/manifest.yaml`` against its model file's sha256.

Why: CI and the kiosk image build must fail loudly if a committed model and
its manifest drift apart (re-conversion, partial LFS checkout, tampering).

Usage: python tools/models/verify_all.py [models-dir]
"""

from __future__ import annotations

import sys
from pathlib import Path

from openabc.inference.errors import ModelError
from openabc.inference.manifest import load_manifest, verify_model_file


def verify_tree(root: Path) -> list[str]:
    """Return one error string per bad manifest (empty list means all good)."""
    errors: list[str] = []
    manifests = sorted(root.rglob("manifest.yaml"))
    if not manifests:
        errors.append(f"no manifest.yaml found under {root}")
    for path in manifests:
        try:
            manifest = load_manifest(path)
            verify_model_file(manifest, path.parent)
        except ModelError as exc:
            errors.append(str(exc))
            continue
        print(f"ok   {manifest.id}@{manifest.version}  {manifest.sha256[:16]}  {path}")
    return errors


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path("models")
    errors = verify_tree(root)
    for err in errors:
        print(f"FAIL {err}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
