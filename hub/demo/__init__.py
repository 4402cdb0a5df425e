"""Demo data for the hub: a few projects with weeks of CI history, sent through the real ingest path.

``suites`` says what each demo project tests and how its tests behave, ``timeline`` which commits ran CI
over the weeks, and ``generator`` turns those runs into version-1 report documents; all three are pure (no
Django, no database, no clock). The ``seed_demo`` management command
(``hub/runs/management/commands/seed_demo.py``) creates the projects and posts the documents to
``POST /api/v1/reports`` with each project's agent token, exactly as the agent would. Nothing here writes
result tables directly, so the demo exercises the same code as production uploads.
"""
