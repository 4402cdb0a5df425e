"""A CI we have no module for, described in configuration: its endpoints, how to authenticate, where
our fields are in its JSON, and what its statuses mean in ours.

The description is the ``config`` mapping, in ``.orchestrate.yml`` under ``ci: config:``::

    ci:
      provider: custom
      repo: web/app                       # available to URLs as {repo}
      config:
        trigger_url: https://ci.example.com/api/trigger
        status_url: https://ci.example.com/api/status/{run_id}
        auth: {type: bearer, token: ${CI_TOKEN}}
        fields: {id: data.id, status: data.state}
        status_map: {ok: success, broken: failure, busy: in_progress}

Every operation has its endpoint key (``ENDPOINTS``); an operation whose key is not set raises
``UnsupportedOperation`` naming the key. URLs may be absolute, or paths under ``api_url``; their
placeholders (``{run_id}``, ``{job_id}``, ...) are filled URL-encoded. Answers are read through dotted
paths (``data.items.0.id``); a path left out is the field's own name, so a CI that already speaks our
vocabulary needs no ``fields`` at all.

``${VAR}`` is not expanded here: ``orchestrate ci`` expands the file's ``ci:`` block once when it reads
it, so a value reaching this class is literal (a ``$`` in a token stays a ``$``).

The description's rules live in ``_custom_config`` (keys, checks, credentials) and the reading of answers
in ``_custom_fields``; this module holds the client.
"""

from __future__ import annotations

import string
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from agent.providers._custom_config import (
    DEFAULT_TRIGGER_BODY,
    ENDPOINTS,
    OPERATION_NAMES,
    auth_headers,
    check_settings,
    require_tls,
)
from agent.providers._custom_fields import Fields, dig
from agent.providers.base import (
    ArtifactInfo,
    JobInfo,
    NotFoundError,
    Provider,
    ProviderError,
    RunInfo,
    RunStatus,
    Triggered,
    check_retry_choice,
    file_name,
)
from agent.providers.extract import extract_zip
from agent.providers.http import ApiClient, collect

__all__ = ["CustomProvider", "dig"]


class CustomProvider(Provider):
    name = "custom"

    def __init__(self, repo: str, **kwargs: Any) -> None:
        super().__init__(repo, **kwargs)
        check_settings(self.config)
        # YAML reads `0:` or `yes:` as a number or a boolean; the CI's values are compared as text.
        self.status_map = {
            str(key): str(value) for key, value in (self.config.get("status_map") or {}).items()
        }
        self.fields = Fields(self.config, self.status_map)
        self.endpoints = {
            op: str(self.config[key]) for op, (key, _, _) in ENDPOINTS.items() if self.config.get(key)
        }
        absolute = [url for url in self.endpoints.values() if url.startswith(("https://", "http://"))]
        if not self.endpoints:
            raise ProviderError(
                "the custom provider has no endpoints",
                "set at least ci.config.status_url (and trigger_url, list_url...) in .orchestrate.yml; "
                "see docs/providers.md",
            )
        if not self.api_url:
            relative = [ENDPOINTS[op][0] for op, url in self.endpoints.items() if url not in absolute]
            if relative:
                raise ProviderError(
                    f"ci.config.{relative[0]} is a path but there is no API address to put it under",
                    "set ci.api_url (or --api-url), or give the endpoint as a full https:// URL",
                )
            parts = urlsplit(absolute[0])
            self.api_url = f"{parts.scheme}://{parts.netloc}"
        headers = {str(key): str(value) for key, value in (self.config.get("headers") or {}).items()}
        credentials = auth_headers(self.config, self.token)
        if credentials:
            for url in [self.api_url, *absolute]:
                require_tls(url)
        self.http = ApiClient.for_provider(
            self,
            "the custom CI",
            headers={"Accept": "application/json", **headers, **credentials},
            auth_hint="check ci.config.auth in .orchestrate.yml (its type and its token) and the token's "
            "rights on the CI",
            not_found_hint="check the endpoint URLs in ci.config and the id",
            trusted_urls=absolute,
        )

    # -- endpoints -------------------------------------------------------------------------------------

    def _url(self, operation: str, **values: object) -> str:
        """The operation's endpoint with its placeholders filled (URL-encoded); UnsupportedOperation when
        the configuration has none."""
        key, _, allowed = ENDPOINTS[operation]
        template = self.endpoints.get(operation)
        if template is None:
            raise self.unsupported(
                f"{OPERATION_NAMES[operation]} without ci.config.{key}",
                f"set ci.config.{key} in .orchestrate.yml to the CI's endpoint for it; see docs/providers.md",
            )
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
        unknown = sorted(names - allowed)
        if unknown:
            raise ProviderError(
                f"ci.config.{key} uses {', '.join('{' + n + '}' for n in unknown)}, which it cannot fill",
                f"it may use: {', '.join('{' + n + '}' for n in sorted(allowed))}",
            )
        filled = {
            "repo": quote(self.repo, safe="/"),
            **{k: quote(str(v or ""), safe="") for k, v in values.items()},
        }
        return template.format_map(filled)

    def _request(self, operation: str, url: str, **kwargs: Any) -> Any:
        method = str((self.config.get("methods") or {}).get(operation) or ENDPOINTS[operation][1]).upper()
        response = self.http.request(method, url, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    # -- mapping (``_custom_fields``) ------------------------------------------------------------------

    def run_info(
        self, data: Any, jobs: tuple[JobInfo, ...] = (), *, default_status: str | None = None
    ) -> RunInfo:
        return self.fields.run_info(data, jobs, default_status=default_status)

    def job_info(self, data: Any) -> JobInfo:
        return self.fields.job_info(data)

    def artifact_info(self, data: Any) -> ArtifactInfo:
        return self.fields.artifact_info(data)

    # -- runs ------------------------------------------------------------------------------------------

    def list_runs(
        self,
        *,
        branch: str | None = None,
        workflow: str | None = None,
        status: str | None = None,
        limit: int = 20,
    ) -> list[RunInfo]:
        """Every page (``Link: rel="next"``) until ``limit`` runs match; the filters also apply here, for
        CIs whose list endpoint ignores them."""
        url = self._url("list", branch=branch, workflow=workflow, status=status, limit=limit)
        found: list[RunInfo] = []
        for body in self.http.link_pages(url):
            for data in self.fields.items(body, "runs"):
                run = self.run_info(data)
                if (
                    (branch is None or run.branch == branch)
                    and (workflow is None or run.workflow == workflow)
                    and (status is None or run.status == status)
                ):
                    found.append(run)
                    if len(found) >= limit:
                        return found
        return found

    def trigger(self, *, workflow: str, ref: str, inputs: Mapping[str, str] | None = None) -> Triggered:
        url = self._url("trigger", ref=ref, workflow=workflow)
        body = self._body(self.config.get("trigger_body", DEFAULT_TRIGGER_BODY), workflow, ref, inputs or {})
        answer = self._request("trigger", url, json=body)
        run_id = self.fields.get(answer, "fields", "id") if answer is not None else None
        if run_id is None or run_id == "":
            return Triggered(
                None, "", f"triggered {workflow or 'a run'} on {ref}; the CI did not name the run"
            )
        run = (
            self.get_run(str(run_id))
            if "status" in self.endpoints
            else self.run_info(answer, default_status="queued")
        )
        return Triggered(run, run.url, f"started run {run.id} of {workflow or 'the CI'} on {ref}")

    def _body(self, template: Any, workflow: str, ref: str, inputs: Mapping[str, str]) -> Any:
        """The trigger body: the template with ``{ref}``, ``{workflow}`` and ``{repo}`` filled in its
        strings, and a string that is exactly ``{inputs}`` replaced by the inputs as a mapping."""
        if isinstance(template, Mapping):
            return {str(k): self._body(v, workflow, ref, inputs) for k, v in template.items()}
        if isinstance(template, list):
            return [self._body(item, workflow, ref, inputs) for item in template]
        if template == "{inputs}":
            return {str(key): str(value) for key, value in inputs.items()}
        if isinstance(template, str):
            values = {"ref": ref, "workflow": workflow, "repo": self.repo}
            try:
                return template.format_map(values)
            except (KeyError, ValueError, IndexError):
                raise ProviderError(
                    f"ci.config.trigger_body has {template!r}, which it cannot fill",
                    'its strings may use {ref}, {workflow} and {repo}, and "{inputs}" alone',
                ) from None
        return template

    def get_run(self, run_id: str) -> RunInfo:
        data = self._status(run_id)
        if "jobs" in self.endpoints:
            jobs = tuple(self.list_jobs(run_id))
        elif "jobs" in (self.config.get("fields") or {}):
            jobs = tuple(self._embedded_jobs(data))  # one request: the jobs come with the run
        else:
            jobs = ()
        return self.run_info(data, jobs)

    def _status(self, run_id: str) -> Any:
        url = self._url("status", run_id=run_id)
        return self.http.get_json(url, not_found_hint="check ci.config.status_url and the run id")

    def _embedded_jobs(self, data: Any) -> list[JobInfo]:
        """The jobs inside a run's answer (``fields.jobs``); none while the CI has not listed any."""
        found = self.fields.get(data, "fields", "jobs")
        if found is None:
            return []
        if not isinstance(found, list):
            raise ProviderError(
                f"the custom CI's run has no list of jobs at {self.fields.path('fields', 'jobs')!r}",
                "set ci.config.fields.jobs to the path of the jobs list in status_url's answer",
            )
        return [self.job_info(job) for job in found]

    def list_jobs(self, run_id: str) -> list[JobInfo]:
        if "jobs" in self.endpoints:
            pages = self.http.link_pages(self._url("jobs", run_id=run_id))
            return [
                self.job_info(data) for data in collect(pages, lambda body: self.fields.items(body, "jobs"))
            ]
        if "jobs" in (self.config.get("fields") or {}):
            return self._embedded_jobs(self._status(run_id))
        raise self.unsupported(
            "list a run's jobs without ci.config.jobs_url",
            "set ci.config.jobs_url, or fields.jobs to the path of the jobs in status_url's answer",
        )

    # -- logs ------------------------------------------------------------------------------------------

    def job_log(self, job_id: str, *, max_bytes: int = 16 << 20) -> str:
        return self.http.read_tail(self._url("log", job_id=job_id), max_bytes=max_bytes)

    def run_logs(self, run_id: str, dest: Path) -> list[Path]:
        """Each job's log (from ``log_url``) as ``DEST/{id}-{name}.log``; jobs still queued are skipped."""
        self._url("log", job_id="")  # unsupported before any request when there is no log_url
        jobs = self.list_jobs(run_id)
        return self.write_logs([job for job in jobs if job.status != RunStatus.QUEUED], dest)

    # -- control ---------------------------------------------------------------------------------------

    def retry(self, run_id: str, *, failed_only: bool = False, job_id: str | None = None) -> RunInfo | None:
        check_retry_choice(failed_only=failed_only, job_id=job_id)
        if job_id is not None:
            operation, url = "retry_job", self._url("retry_job", run_id=run_id, job_id=job_id)
        elif failed_only:
            operation, url = "retry_failed", self._url("retry_failed", run_id=run_id)
        else:
            operation, url = "retry", self._url("retry", run_id=run_id)
        answer = self._request(operation, url)
        if isinstance(answer, Mapping) and self.fields.get(answer, "fields", "id") not in (None, ""):
            return self.run_info(answer, default_status="queued")
        if "status" in self.endpoints:
            return self.run_info(self._status(run_id))
        return None

    def cancel(self, run_id: str) -> None:
        self._request("cancel", self._url("cancel", run_id=run_id))

    # -- artifacts -------------------------------------------------------------------------------------

    def list_artifacts(self, run_id: str) -> list[ArtifactInfo]:
        pages = self.http.link_pages(self._url("artifacts", run_id=run_id))
        return [
            self.artifact_info(data)
            for data in collect(pages, lambda body: self.fields.items(body, "artifacts"))
        ]

    def download_artifacts(self, run_id: str, dest: Path, *, name: str | None = None) -> list[Path]:
        """Each artifact from its ``url`` field or ``artifact_url``: a zip is extracted safely into
        ``DEST/NAME``, anything else saved as ``DEST/NAME``."""
        artifacts = self.list_artifacts(run_id)
        if name is not None:
            artifacts = [artifact for artifact in artifacts if artifact.name == name]
            if not artifacts:
                raise NotFoundError(
                    f"run {run_id} has no artifact named {name!r}", "`orchestrate ci artifacts` lists them"
                )
        limit = self.max_download_bytes
        written: list[Path] = []
        for artifact in artifacts:
            if artifact.expired:
                continue
            url = self.fields.get(artifact.raw, "artifact_fields", "url")
            if not url:
                url = self._url(
                    "artifact", run_id=run_id, artifact_id=artifact.id, artifact_name=artifact.name
                )
            target = dest / file_name(artifact.name, f"artifact-{file_name(artifact.id, 'x')}")
            with tempfile.TemporaryDirectory(prefix="orchestrate-") as scratch:
                download = self.http.download(str(url), Path(scratch) / "artifact", max_bytes=limit)
                if zipfile.is_zipfile(download):
                    written += extract_zip(download, target, name=f"artifact {artifact.name!r}")
                else:
                    dest.mkdir(parents=True, exist_ok=True)
                    if target.is_symlink() or target.is_dir():
                        raise ProviderError(
                            f"refusing to overwrite {target}: it is a link or a directory", ""
                        )
                    target.write_bytes(download.read_bytes())
                    written.append(target)
        return written
