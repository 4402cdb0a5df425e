"""Reading a custom CI's answers: our fields found at the dotted paths its description gives, and its
statuses mapped into ours.

Apart from the client because this half is pure (JSON in, ``RunInfo``/``JobInfo``/``ArtifactInfo`` out):
a description that reads answers wrongly fails here with the ``ci.config`` key to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.providers._custom_config import CONCLUSIONS, OURS
from agent.providers.base import ArtifactInfo, JobInfo, ProviderError, RunInfo, RunStatus, parse_time


def dig(data: Any, path: str) -> Any:
    """The value at a dotted path (``data.items.0.id``; an empty path is ``data``), or None."""
    for part in path.split(".") if path else ():
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


class Fields:
    """The description's ``fields``, ``job_fields``, ``artifact_fields``, ``items`` and ``status_map``
    applied to answers."""

    def __init__(self, config: Mapping[str, Any], status_map: Mapping[str, str]) -> None:
        self.config = config
        self.status_map = status_map

    def path(self, group: str, name: str) -> str:
        return str((self.config.get(group) or {}).get(name, name))

    def get(self, data: Any, group: str, name: str) -> Any:
        return dig(data, self.path(group, name))

    def items(self, body: Any, name: str) -> list[Any]:
        path = (self.config.get("items") or {}).get(name)
        found = (
            dig(body, str(path)) if path is not None else body if isinstance(body, list) else dig(body, name)
        )
        if not isinstance(found, list):
            raise ProviderError(
                f"the custom CI's answer has no list of {name} where expected",
                f'set ci.config.items.{name} to the path of the list in the answer ("" for the whole answer)',
            )
        return found

    def state(self, data: Any, group: str, default: str | None = None) -> tuple[str, str | None]:
        value = self.get(data, group, "status")
        if value is None and default is not None:
            return default, None
        mapped = self.ours(value)
        if mapped in CONCLUSIONS:
            return RunStatus.COMPLETED.value, mapped
        if mapped != RunStatus.COMPLETED:
            return mapped, None
        found = self.get(data, group, "conclusion")
        conclusion = self.ours(found) if found is not None else None
        if conclusion not in CONCLUSIONS:
            raise ProviderError(
                f"the custom CI says a run or job completed ({value!r}) but gives no conclusion of ours "
                f"(at {self.path(group, 'conclusion')!r}: {found!r})",
                f"set {group}.conclusion to the path of its result, and map the results in "
                "ci.config.status_map (passed: success, failed: failure)",
            )
        return RunStatus.COMPLETED.value, conclusion

    def ours(self, value: Any) -> str:
        text = "" if value is None else str(value)
        status_map = self.status_map
        mapped = str(status_map.get(text, status_map.get(text.lower(), text)))
        if mapped not in OURS:
            raise ProviderError(
                f"the custom CI's status {text!r} has no meaning in ours",
                f"map it in ci.config.status_map to one of {', '.join(sorted(OURS))} "
                f"(for example status_map: {{{text}: failure}})",
            )
        return mapped

    def run_info(
        self, data: Any, jobs: tuple[JobInfo, ...] = (), *, default_status: str | None = None
    ) -> RunInfo:
        run_id = self.get(data, "fields", "id")
        if run_id is None or run_id == "":
            raise ProviderError(
                "the custom CI's answer has no run id where expected",
                f"set ci.config.fields.id to its path (now {self.path('fields', 'id')!r})",
            )
        status, conclusion = self.state(data, "fields", default_status)
        attempt = self.get(data, "fields", "attempt")
        return RunInfo(
            id=str(run_id),
            status=status,
            conclusion=conclusion,
            url=str(self.get(data, "fields", "url") or ""),
            workflow=str(self.get(data, "fields", "workflow") or ""),
            branch=str(self.get(data, "fields", "branch") or ""),
            commit_sha=str(self.get(data, "fields", "commit_sha") or ""),
            event=str(self.get(data, "fields", "event") or ""),
            attempt=int(attempt) if str(attempt or "").isdigit() else 1,
            created_at=parse_time(self.get(data, "fields", "created_at")),
            updated_at=parse_time(self.get(data, "fields", "updated_at")),
            jobs=jobs,
            raw=dict(data) if isinstance(data, Mapping) else {"value": data},
        )

    def job_info(self, data: Any) -> JobInfo:
        job_id = self.get(data, "job_fields", "id")
        if job_id is None or job_id == "":
            raise ProviderError(
                "the custom CI's answer has a job without an id where expected",
                f"set ci.config.job_fields.id to its path (now {self.path('job_fields', 'id')!r})",
            )
        status, conclusion = self.state(data, "job_fields")
        return JobInfo(
            id=str(job_id),
            name=str(self.get(data, "job_fields", "name") or ""),
            status=status,
            conclusion=conclusion,
            url=str(self.get(data, "job_fields", "url") or ""),
            started_at=parse_time(self.get(data, "job_fields", "started_at")),
            completed_at=parse_time(self.get(data, "job_fields", "completed_at")),
            raw=dict(data) if isinstance(data, Mapping) else {"value": data},
        )

    def artifact_info(self, data: Any) -> ArtifactInfo:
        size = self.get(data, "artifact_fields", "size")
        name = self.get(data, "artifact_fields", "name")
        artifact_id = self.get(data, "artifact_fields", "id")
        return ArtifactInfo(
            id=str(artifact_id if artifact_id is not None else name),
            name=str(name or ""),
            size=size if isinstance(size, int) else None,
            expired=bool(self.get(data, "artifact_fields", "expired")),
            raw=dict(data) if isinstance(data, Mapping) else {"value": data},
        )
