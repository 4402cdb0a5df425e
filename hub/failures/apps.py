from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class FailuresConfig(AppConfig):
    name = "hub.failures"
    label = "failures"
    verbose_name = "Failure analysis"

    def ready(self) -> None:
        """Fail at start, naming the rule and the problem, when the built-in or operator rules are bad."""
        from agent.diagnosis.categories import RuleError, builtin_rules
        from hub.failures.services.rules import operator_rules

        try:
            builtin_rules()
            operator_rules()
        except RuleError as exc:
            raise ImproperlyConfigured(str(exc)) from None
