"""The dashboard's routes, at the root of the hub (the API lives under /api/, the admin under /admin/)."""

from django.contrib.auth import views as auth
from django.urls import path

from hub.dashboard.views import clusters, fix_jobs, flaky, live, logs, operate, projects, runs, tasks, tests

app_name = "dashboard"

urlpatterns = [
    path("", projects.projects, name="projects"),
    path("login/", auth.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("runs/", runs.runs, name="runs"),
    path("runs/<int:run_id>/", runs.run, name="run"),
    path("jobs/<int:job_id>/log/", logs.job_log, name="job-log"),
    path("jobs/<int:job_id>/log.txt", logs.job_log_text, name="job-log-text"),
    path("jobs/<int:job_id>/log/fetch/", logs.fetch_log, name="job-log-fetch"),
    path("live/stream/", live.stream, name="live-stream"),
    path("live/changes/", live.changes, name="live-changes"),
    path("runs/<int:run_id>/rerun/", operate.rerun, name="run-rerun"),
    path("runs/<int:run_id>/cancel/", operate.cancel, name="run-cancel"),
    path("runs/<int:run_id>/respond/", operate.respond, name="run-respond"),
    path("projects/<int:project_id>/trigger/", operate.trigger, name="trigger"),
    path("tests/<int:test_id>/quarantine/", operate.quarantine, name="test-quarantine"),
    path("tests/<int:test_id>/unquarantine/", operate.unquarantine, name="test-unquarantine"),
    path("tests/<int:test_id>/mark-fixed/", operate.mark_fixed, name="test-mark-fixed"),
    path("fix-jobs/<int:fix_job_id>/retry/", operate.fix_job_step, {"step": "retry"}, name="fix-job-retry"),
    path(
        "fix-jobs/<int:fix_job_id>/cancel/", operate.fix_job_step, {"step": "cancel"}, name="fix-job-cancel"
    ),
    path("tests/<int:test_id>/", tests.test, name="test"),
    path("flaky/", flaky.board, name="flaky"),
    path("flaky/fixed/", flaky.fixed, name="fixed"),
    path("clusters/", clusters.clusters, name="clusters"),
    path("clusters/<int:cluster_id>/", clusters.cluster, name="cluster"),
    path("fix-jobs/", fix_jobs.fix_jobs, name="fix-jobs"),
    path("fix-jobs/<int:fix_job_id>/", fix_jobs.fix_job, name="fix-job"),
    path("tasks/", tasks.tasks, name="tasks"),
    path("tasks/new/", tasks.new_task, name="task-new"),
    path("tasks/<int:task_id>/", tasks.task, name="task"),
    path("tasks/<int:task_id>/retry/", tasks.task_step, {"step": "retry"}, name="task-retry"),
    path("tasks/<int:task_id>/cancel/", tasks.task_step, {"step": "cancel"}, name="task-cancel"),
]
