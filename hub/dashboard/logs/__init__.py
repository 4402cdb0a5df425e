"""The log viewer's pure parts: ANSI colours to safe HTML, CI section markers to folds, and pages and
searches over a stored log's lines. Nothing here touches the database; ``hub.dashboard.views.logs`` reads
the ``JobLog`` and hands its text in."""
