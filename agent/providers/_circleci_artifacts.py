"""CircleCI artifacts: each is one file a job stored, listed per job and fetched from its own ``url``.

The list comes from CircleCI and names paths and addresses, so it is checked before anything is written:
every path must stay inside the destination and every address must be https, or nothing is downloaded.
Files land in ``DEST/JOB/PATH`` (``JOB-NUMBER`` when two jobs share a name, then ``node-N`` for a job that
ran on several nodes).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from agent.providers.base import ArtifactInfo, JobInfo, NotFoundError, ProviderError, file_name
from agent.providers.http import ApiClient


def relative_path(path: str) -> PurePosixPath | None:
    """An artifact's path as a relative path that stays inside the destination, or None."""
    if not path or "\\" in path or "\0" in path or path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        return None
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return PurePosixPath(*parts)


def artifact_info(job: JobInfo, item: dict[str, Any]) -> ArtifactInfo:
    """One listed file, its id made of the job, the node and the path (CircleCI gives it none)."""
    return ArtifactInfo(
        id=f"{job.id}:{item.get('node_index', 0)}:{item.get('path', '')}",
        name=str(item.get("path") or ""),
        size=None,  # CircleCI does not say
        expired=False,  # CircleCI deletes expired artifacts from the list
        raw=dict(item),
    )


def download(
    http: ApiClient,
    found: list[tuple[JobInfo, dict[str, Any]]],
    dest: Path,
    *,
    run_id: str,
    name: str | None,
    max_bytes: int,
) -> list[Path]:
    """Each file of ``found`` (a run's jobs and their listed files) into ``DEST/JOB/PATH``; ``name`` picks a
    path or a directory."""
    if name is not None:
        prefix = name.strip("/") + "/"
        found = [
            (job, item)
            for job, item in found
            if item.get("path") == name or str(item.get("path", "")).startswith(prefix)
        ]
        if not found:
            raise NotFoundError(
                f"run {run_id} has no artifact at {name!r}",
                f"`orchestrate ci artifacts {run_id}` lists their paths",
            )
    nodes: dict[str, set[int]] = {}
    names: dict[str, set[str]] = {}
    for job, item in found:
        nodes.setdefault(job.id, set()).add(int(item.get("node_index") or 0))
        names.setdefault(file_name(job.name, f"job-{job.id}"), set()).add(job.id)
    root = dest.resolve()
    plan: list[tuple[str, Path]] = []  # every file checked before anything is downloaded
    for job, item in found:
        relative = relative_path(str(item.get("path") or ""))
        url = str(item.get("url") or "")
        if relative is None or not url.startswith("https://"):
            raise ProviderError(
                f"refusing artifact {item.get('path')!r} of job {job.id}: its path leaves the "
                "destination or its address is not https; nothing was downloaded",
                "the artifact list is damaged or hostile; download it by hand if you trust it",
            )
        folder_name = file_name(job.name, f"job-{job.id}")
        if len(names[folder_name]) > 1:
            folder_name += f"-{job.id}"
        folder = root / folder_name
        if len(nodes[job.id]) > 1:
            folder /= f"node-{int(item.get('node_index') or 0)}"
        plan.append((url, folder / relative))
    written = []
    for url, target in plan:
        target.parent.mkdir(parents=True, exist_ok=True)
        parent = target.parent.resolve()
        if parent != root and root not in parent.parents:
            raise ProviderError(f"refusing to write {target}: a link makes it resolve outside {dest}", "")
        written.append(http.download(url, target, max_bytes=max_bytes))
    return written
