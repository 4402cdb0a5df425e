"""The hub stores the categories the agent's rules name: one vocabulary on both sides."""

from agent.diagnosis.categories import CATEGORIES
from hub.failures.models import Category


def test_the_model_knows_every_category_the_rules_may_name():
    assert set(CATEGORIES) == set(Category.values)
