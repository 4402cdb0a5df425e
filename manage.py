#!/usr/bin/env python
"""Django's command-line utility for the Orchestrate hub: every command, the worker (``qcluster``) too,
starts through ``hub.startup.prepare``, so a bad setting is one line naming it, not a traceback."""

import sys


def main() -> None:
    from hub.startup import prepare

    prepare()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
