"""Notification channels: one module each, with the same functions, so a new one starts as a copy.

- ``render(summary) -> Message``: the run summary (``hub.response.summary``) in the channel's own form,
  a pure function.
- ``send(target, message, ...) -> effects.Made``: deliver it; ``effects.Refused`` when the service said
  no for sure (trying again changes nothing), ``effects.RetryLater`` when it asked us to wait, any other
  error when the outcome is unknown.
- ``key(run_pk, target) -> str``: the effect key of one delivery, so each is made at most once.

The ``notify`` responder (``responders/notify.py``) decides who hears of what and calls them.
"""
