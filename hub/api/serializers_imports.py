"""The body of ``POST /api/v1/projects/import`` and its answer, one row per repository."""

from __future__ import annotations

from rest_framework import serializers

from hub.api.fields import Flag, Text, WholeMatch
from hub.integrations import imports

OWNER = r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$"
FULL_NAME = r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$"
TOKEN = r"^[!-~]+$"  # noqa: S105 (printable ASCII without spaces: every provider's tokens)
SERVER_URL = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)*/?$"


class ImportSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=imports.IMPORTABLE, help_text="Where the repositories are.")
    owner = Text(
        max_length=255,
        validators=[WholeMatch(OWNER, "An organisation or user login, or a GitLab group path.")],
        help_text="The GitHub organisation or user, or the GitLab group (subgroups included).",
    )
    token = Text(
        max_length=500,
        write_only=True,
        validators=[WholeMatch(TOKEN, "A token is printable characters without spaces.")],
        help_text="Reads the account's repositories (and manages their hooks, for create_webhooks); it "
        "becomes each new project's provider API token. Never answered back.",
    )
    server_url = Text(
        max_length=500,
        required=False,
        default="",
        validators=[WholeMatch(SERVER_URL, "Give the server's address, e.g. https://gitlab.example.com.")],
        help_text="GitHub Enterprise Server or self-managed GitLab; left out for github.com and gitlab.com.",
    )
    repositories = serializers.ListField(
        child=Text(max_length=300, validators=[WholeMatch(FULL_NAME, "Give OWNER/NAME.")]),
        max_length=imports.MAX_NAMES,
        required=False,
        default=list,
        help_text="Full names to import; every repository of the account when left out or empty.",
    )
    create_webhooks = Flag(
        default=False, help_text="Create each repository's webhook to the hub through the API, and ping it."
    )


class ImportedSerializer(serializers.Serializer):
    full_name = serializers.CharField()
    project = serializers.IntegerField(
        source="project_id", allow_null=True, help_text="Its id; null if none."
    )
    created = serializers.BooleanField(help_text="False when the project existed (left as it was).")
    agent_token = serializers.CharField(
        help_text="A new project's first agent token, shown once; else empty."
    )
    webhook_secret = serializers.CharField(
        help_text="Generated now, shown once, to paste into the provider; empty once a hook has it"
    )
    webhook_url = serializers.CharField(help_text="Where the provider delivers (this hub's endpoint).")
    events = serializers.ListField(child=serializers.CharField(), help_text="The events to select.")
    webhook = serializers.ChoiceField(
        choices=["created", "exists", "not requested", "failed"], help_text="What became of the webhook."
    )
    hook_id = serializers.CharField(help_text="The provider's id of the hook; empty if none.")
    pinged = serializers.BooleanField()
    error = serializers.CharField(help_text="Why this repository was not (fully) imported; empty if it was.")
    notes = serializers.ListField(child=serializers.CharField())


class ImportAnswerSerializer(serializers.Serializer):
    results = ImportedSerializer(many=True)
