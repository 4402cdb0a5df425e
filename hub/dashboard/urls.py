"""The dashboard's routes, at the root of the hub (the API lives under /api/, the admin under /admin/)."""

from django.contrib.auth import views as auth
from django.urls import path

from hub.dashboard.views import clusters, fix_jobs, flaky, logs, projects, runs, tests

app_name = "dashboard"

urlpatterns = [
    path("", projects.projects, name="projects"),
    path("login/", auth.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("runs/", runs.runs, name="runs"),
    path("runs/<int:run_id>/", runs.run, name="run"),
    path("jobs/<int:job_id>/log/", logs.job_log, name="job-log"),
    path("jobs/<int:job_id>/log/fetch/", logs.fetch_log, name="job-log-fetch"),
    path("tests/<int:test_id>/", tests.test, name="test"),
    path("flaky/", flaky.board, name="flaky"),
    path("flaky/fixed/", flaky.fixed, name="fixed"),
    path("clusters/", clusters.clusters, name="clusters"),
    path("clusters/<int:cluster_id>/", clusters.cluster, name="cluster"),
    path("fix-jobs/", fix_jobs.fix_jobs, name="fix-jobs"),
    path("fix-jobs/<int:fix_job_id>/", fix_jobs.fix_job, name="fix-job"),
]
