"""After the merge, from the fix's merge to the deployment's end, with GitHub faked at the HTTP boundary
(the merge, workflow_dispatch, the git data API, pull requests, Slack) and the deployed service's health
endpoint on loopback: a merged fix triggers the policy's deployment once; a passed deployment run and a
healthy watch end with nothing more; a failing health check or a failed deployment run ends in exactly one
revert pull request (its tree the merge's first parent's) or one run of the rollback workflow, and one
Slack message; redelivered webhooks make no second deployment or revert."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from hub.response.models import Effect, FixJob
from hub.response.policy import store
from hub.response.services import deployments
from tests.agent.fix.publish_fakes import FakeGitHub
from tests.hub.operations.conftest import github_jobs, github_run
from tests.hub.response import test_merging
from tests.hub.response.fake_fixer import REPO, ROUTED, run_completed_event
from tests.hub.response.test_merging import MERGING, fix_run_ends

pytestmark = pytest.mark.django_db

# A fixer job with its pull request linked and merging on, and GitHub's side of the merge (test_merging).
linked, pull = test_merging.linked, test_merging.pull

MERGED = "f" * 40  # the merge commit FakePull's merge answers with
BEFORE = "a" * 40  # the merge's first parent: the base branch before the fix
BEFORE_TREE, MERGED_TREE = "1" * 40, "2" * 40
DEPLOY_RUN = 40433642
DEPLOY = f"{REPO}/actions/workflows/deploy.yml/dispatches"
ROLLBACK = f"{REPO}/actions/workflows/rollback.yml/dispatches"
SLACK = "https://hooks.slack.com/services/T000/B000/s3cr3t"


class Health(ThreadingHTTPServer):
    """The deployed service's health endpoint: answers ``status`` and counts the checks."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), HealthHandler)
        self.status, self.checks = 200, 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/healthz"


class HealthHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.checks += 1
        self.send_response(self.server.status)
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}' if self.server.status == 200 else b'{"status": "down"}')

    def log_message(self, *args) -> None:
        pass


@dataclass
class MergedRepo(FakeGitHub):
    """GitHub's git data after the merge: the merge commit and its first parent, each with its tree;
    ``lost_pulls`` pull requests opened whose answer is a 502 (made, the answer lost on the way)."""

    lost_pulls: int = 0

    def commit(self, request) -> tuple[int, dict, str]:
        sha = request.url.rsplit("/", 1)[1]
        parents = [{"sha": BEFORE, "url": f"{REPO}/git/commits/{BEFORE}"}] if sha == MERGED else []
        tree = MERGED_TREE if sha == MERGED else BEFORE_TREE
        return 200, {}, json.dumps({"sha": sha, "tree": {"sha": tree, "url": ""}, "parents": parents})

    def open_pull(self, request) -> tuple[int, dict, str]:
        status, headers, body = super().open_pull(request)
        if self.lost_pulls:
            self.lost_pulls -= 1
            return 502, {}, json.dumps({"message": "Server Error"})
        return status, headers, body


@pytest.fixture
def health(api) -> Iterator[Health]:
    server = Health()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api.add_passthru(server.url.removesuffix("/healthz"))
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def repo(api) -> MergedRepo:
    """The deploy and rollback workflows, the git data API, pull requests and Slack."""
    for url, run_id in ((DEPLOY, DEPLOY_RUN), (ROLLBACK, DEPLOY_RUN + 1)):
        web = f"https://github.com/octo-org/octo-repo/actions/runs/{run_id}"
        api_run = f"{REPO}/actions/runs/{run_id}"
        api.post(url, json={"workflow_run_id": run_id, "run_url": api_run, "html_url": web})
        queued = github_run(run_id, event="workflow_dispatch", status="queued", conclusion=None,
                            head_sha=MERGED, html_url=web)  # fmt: skip
        api.get(f"{REPO}/actions/runs/{run_id}", json=queued)
        api.get(f"{REPO}/actions/runs/{run_id}/jobs", json=github_jobs(run_id, {"name": "deploy"}))
    api.post(SLACK, body="ok")
    return MergedRepo(branches={"main": MERGED}).install(api)


def deploy_policy(job: FixJob, health: Health, **deploy) -> None:
    policy = {"workflow": "deploy.yml", "health_url": health.url, "watch_minutes": 5, **deploy}
    store.save(job.project, {**ROUTED, "merge": MERGING, "deploy": policy,
                             "notify": {"slack_webhook_url": SLACK}})  # fmt: skip


def deployment_run_ends(sender, conclusion: str) -> None:
    payload = run_completed_event(DEPLOY_RUN, "main", conclusion)
    payload["workflow_run"].update(head_sha=MERGED, name="Deploy", path=".github/workflows/deploy.yml")
    sender.github("workflow_run", payload)


def posts(api, url: str) -> list[dict]:
    sent = [c.request for c in api.calls if c.request.method == "POST" and c.request.url == url]
    return [json.loads(request.body) for request in sent]


def timeline(job: FixJob) -> list[str]:
    return [e.reason for e in job.events.filter(reason__startswith="deployment").order_by("pk")]


def test_a_merged_fix_deployed_and_healthy_for_its_watch_ends_with_nothing_more(
    linked, pull, repo, health, sender, api
):
    deploy_policy(linked, health)

    fix_run_ends(sender, linked)
    deployment_run_ends(sender, "success")
    assert deployments.watch() == 0  # healthy, within the watch
    assert deployments.watch(timezone.now() + timedelta(minutes=6)) == 0  # the watch is over
    assert deployments.watch(timezone.now() + timedelta(minutes=7)) == 0

    assert posts(api, DEPLOY) == [{"ref": "main", "return_run_details": True}]
    assert health.checks == 2
    assert repo.pulls == []
    assert repo.commits == []
    assert posts(api, ROLLBACK) == []
    assert posts(api, SLACK) == []
    assert timeline(linked) == [
        f"deployment: triggered deploy.yml on main: https://github.com/octo-org/octo-repo/actions/runs/{DEPLOY_RUN}",
        f"deployment run {DEPLOY_RUN} passed; watching its health",
        f"deployment healthy: {health.url} answered for the whole watch",
    ]


def test_a_failing_health_check_ends_in_exactly_one_revert_pull_request_and_one_message(
    linked, pull, repo, health, sender, api
):
    deploy_policy(linked, health)
    fix_run_ends(sender, linked)
    deployment_run_ends(sender, "success")
    health.status = 503

    assert deployments.watch() == 1
    assert deployments.watch() == 0  # the watch ended with the failure
    deployments.roll_back(Effect.objects.get(kind=deployments.KIND).pk)  # a replayed task

    branch = f"orchestrate/revert-{linked.pk}"
    [commit] = repo.commits
    assert (commit["tree"], commit["parents"]) == (BEFORE_TREE, [MERGED])
    assert repo.branches[branch] == "d" * 40
    [revert] = repo.pulls
    assert (revert["head"]["ref"], revert["base"]["ref"]) == (branch, "main")
    assert revert["title"] == f"Revert fix job #{linked.pk}: its deployment failed"
    [message] = posts(api, SLACK)
    assert (
        f"the deployment of fix job #{linked.pk} failed (health check: {health.url} answered 503)"
        in (message["text"])
    )
    assert timeline(linked)[-2:] == [
        f"deployment failed: health check: {health.url} answered 503",
        f"deployment rollback: revert pull request 1 opened: {revert['html_url']}",
    ]


def test_a_revert_whose_answer_was_lost_is_found_on_the_next_pass_and_not_opened_again(
    linked, pull, repo, health, sender, api
):
    deploy_policy(linked, health)
    fix_run_ends(sender, linked)
    deployment_run_ends(sender, "success")
    health.status, repo.lost_pulls = 503, 1

    deployments.watch()
    assert timeline(linked)[-1].startswith("deployment rollback not done yet: ")
    assert posts(api, SLACK) == []  # told once it is done
    deployments.watch()

    assert len(repo.commits) == 1
    [revert] = repo.pulls
    assert timeline(linked)[-1] == f"deployment rollback: revert pull request 1 opened: {revert['html_url']}"
    assert Effect.objects.get(key__startswith="deploy:revert:").external_url == revert["html_url"]
    assert len(posts(api, SLACK)) == 1


def test_redelivered_webhooks_make_no_second_deployment_or_revert(linked, pull, repo, health, sender, api):
    deploy_policy(linked, health)

    fix_run_ends(sender, linked)
    fix_run_ends(sender, linked)
    deployment_run_ends(sender, "failure")
    deployment_run_ends(sender, "failure")

    assert len(posts(api, DEPLOY)) == 1
    assert len(repo.commits) == 1
    assert len(repo.pulls) == 1
    assert len([m for m in posts(api, SLACK) if "the deployment of fix job" in m["text"]]) == 1
    assert health.checks == 0  # a failed deployment run is never watched
    assert f"deployment failed: the deployment run {DEPLOY_RUN} ended failure" in timeline(linked)


def test_a_failed_deployment_with_a_rollback_workflow_triggers_it_once_and_opens_no_pull_request(
    linked, pull, repo, health, sender, api
):
    deploy_policy(linked, health, rollback="rollback.yml")

    fix_run_ends(sender, linked)
    deployment_run_ends(sender, "failure")
    deployment_run_ends(sender, "failure")

    assert posts(api, ROLLBACK) == [{"ref": "main", "return_run_details": True}]
    assert repo.pulls == []
    assert repo.commits == []
    assert timeline(linked)[-1] == (
        f"deployment rollback: triggered rollback.yml on main: "
        f"https://github.com/octo-org/octo-repo/actions/runs/{DEPLOY_RUN + 1}"
    )


def test_a_health_url_without_a_workflow_is_watched_from_the_merge(linked, pull, repo, health, sender, api):
    deploy_policy(linked, health, workflow="")

    fix_run_ends(sender, linked)
    assert deployments.watch(timezone.now() + timedelta(minutes=6)) == 0

    assert posts(api, DEPLOY) == []
    assert health.checks == 1
    assert timeline(linked)[-1] == f"deployment healthy: {health.url} answered for the whole watch"


def test_without_a_deployment_in_the_policy_a_merge_deploys_nothing(linked, pull, repo, health, sender, api):
    fix_run_ends(sender, linked)

    assert pull.merges
    assert posts(api, DEPLOY) == []
    assert not Effect.objects.filter(kind=deployments.KIND).exists()
    assert timeline(linked) == []


@pytest.mark.parametrize(
    ("deploy", "error"),
    [
        ({"health_url": "ftp://example.com"},
         "deploy.health_url: must be an http:// or https:// URL (or empty)"),
        ({"watch_minutes": 0}, "deploy.watch_minutes: must be an integer >= 1"),
        ({"rollback": ""}, "deploy.rollback: must be 'revert' or a rollback workflow's file or name"),
        ({"workflow": "-x"}, "deploy.workflow: must be a workflow file or name (letters, digits, _ . / - and "
                             "spaces), or empty (no deployment run)"),
    ],
)  # fmt: skip
def test_a_bad_deploy_key_is_refused_naming_it(deploy, error):
    from hub.response.policy.schema import validate

    assert validate({"deploy": deploy}) == [error]


def test_the_default_policy_names_no_deployment():
    from hub.response.policy.schema import defaults

    assert not deployments.wanted(defaults())
    assert defaults()["deploy"]["rollback"] == "revert"
