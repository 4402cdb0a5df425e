"""Where the packaging tests find the repository's files and the shared corpus beside it."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / ".." / "shared"
