"""Support for the hub's own test suite (loaded by pytest; never by the running hub)."""
