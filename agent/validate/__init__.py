"""``orchestrate validate``'s machinery: settings (``config``), commands in process groups (``processes``),
the steps (``pipeline``) and the commit status (``status``). Plain Python: the agent never imports Django."""
