#!/usr/bin/env python
"""Django's command-line utility for the Orchestrate hub: every command, the worker (``qcluster``) too,
starts through ``hub.startup``, so a bad setting, or a database or Redis it cannot reach, is one line
naming the variable, not a traceback."""

import sys


def main() -> None:
    from hub.startup import prepare, run_command

    prepare()
    run_command(sys.argv)


if __name__ == "__main__":
    main()
