"""Request validation against Discord's own OpenAPI description.

Why: a fake that accepts anything hides the bugs Discord would reject in production (an
embed title over 256 characters, 26 autocomplete choices, a malformed button). Every
request body the bot sends is checked against the ``requestBody`` schema of the matching
operation in ``openapi.json``, plus a few limits the spec does not encode.

The spec is parsed and indexed once per process (``load_spec`` is cached) and each
operation's validator is built lazily and cached, so a test suite pays ~10 ms once.

Two validators per schema: jsonschema-rs (compiled, Rust) says whether a body is valid, in microseconds;
only for an invalid one does the pure-Python ``jsonschema`` walk it again for the detailed, narrowed
report (``leaf_errors``). The Python validator alone spent 1-12 ms per message body on Discord's
``anyOf`` unions: in the kill proofs, a third of the test process's CPU. tests/test_fakediscord.py
checks that the two agree on valid and invalid bodies.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:discord-openapi"
_HERE = Path(__file__).resolve().parent
# The copy kept in the repository (with Discord's MIT licence beside it), so a clone alone can run the
# suite; FAKEDISCORD_OPENAPI overrides it, e.g. to try a newer snapshot.
SPEC_CANDIDATES = (_HERE / "spec" / "openapi.json",)

# Discord's hard limits that openapi.json does not express (or expresses more loosely).
MAX_CONTENT = 2000  # the spec allows 4000 on create/edit message (Nitro users); bots get 2000
MAX_EMBED_TOTAL = 6000  # sum over all embeds of a message
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


@dataclass(frozen=True)
class Operation:
    """One method+path of the spec, with its JSON request schema pointer (if any)."""

    method: str
    template: str
    operation_id: str
    regex: re.Pattern[str]
    body_pointer: str | None


@dataclass(frozen=True)
class Violation:
    """One reason Discord would reject (or silently mangle) a request."""

    method: str
    path: str
    operation_id: str | None
    where: str
    message: str
    kind: str = "spec"  # "spec" (openapi.json), "limit" (known extra limit), "protocol"

    def __str__(self) -> str:
        op = f" ({self.operation_id})" if self.operation_id else ""
        return f"[{self.kind}] {self.method} {self.path}{op} at {self.where}: {self.message}"


def find_spec_file() -> Path:
    override = os.environ.get("FAKEDISCORD_OPENAPI")
    candidates = (Path(override),) if override else SPEC_CANDIDATES
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"Discord openapi.json not found; tried {[str(c) for c in candidates]}")


def _loosen(spec: dict[str, Any]) -> None:
    """Accept what Discord accepts but the spec is stricter about.

    Snowflakes are typed as strings in the spec, yet Discord takes integers, and discord.py
    sends integers for ``allowed_mentions.users/roles`` and ``attachments[].id``.
    """
    schemas = spec["components"]["schemas"]
    snowflake = schemas["SnowflakeType"]
    schemas["SnowflakeType"] = {"anyOf": [snowflake, {"type": "integer", "minimum": 0}]}


def _path_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{body}$")


class Spec:
    """The parsed spec, an operation index and a cache of compiled validators."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.registry: Registry[Any] = Registry().with_resource(
            SPEC_URI, Resource.from_contents(document, default_specification=DRAFT202012)
        )
        self.operations: list[Operation] = []
        for template, item in document["paths"].items():
            for method, op in item.items():
                if not isinstance(op, dict) or "operationId" not in op:
                    continue
                content = op.get("requestBody", {}).get("content", {})
                pointer = None
                if "application/json" in content:
                    escaped = template.replace("~", "~0").replace("/", "~1")
                    pointer = f"#/paths/{escaped}/{method}/requestBody/content/application~1json/schema"
                regex = _path_regex(template)
                self.operations.append(Operation(method.upper(), template, op["operationId"], regex, pointer))
        # Literal segments ("@original", "@me") must win over "{message_id}"-style ones.
        self.operations.sort(key=lambda o: (o.template.count("{"), -len(o.template)))
        self._validators: dict[str, Draft202012Validator] = {}
        self._fast: dict[str, jsonschema_rs.Draft202012Validator] = {}

    def find(self, method: str, path: str) -> Operation | None:
        for op in self.operations:
            if op.method == method and op.regex.match(path):
                return op
        return None

    def validator_for(self, pointer: str) -> Draft202012Validator:
        validator = self._validators.get(pointer)
        if validator is None:
            validator = Draft202012Validator({"$ref": SPEC_URI + pointer}, registry=self.registry)
            self._validators[pointer] = validator
        return validator

    def fast_validator_for(self, pointer: str) -> jsonschema_rs.Draft202012Validator:
        """The compiled validator for the schema at `pointer` (a JSON pointer into the spec, as a URI
        fragment: the path's braces percent-encoded), resolving its $refs in the whole document."""
        validator = self._fast.get(pointer)
        if validator is None:
            fragment = "#" + quote(pointer.removeprefix("#"), safe="/~")
            validator = jsonschema_rs.Draft202012Validator({**self.document, "$ref": fragment})
            self._fast[pointer] = validator
        return validator

    def errors(self, pointer: str, instance: Any) -> Iterator[ValidationError]:
        """Every way `instance` breaks the schema at `pointer`: none, at once, when it is valid."""
        if self.fast_validator_for(pointer).is_valid(instance):
            return iter(())
        return self.validator_for(pointer).iter_errors(instance)

    def validate(self, method: str, path: str, body: Any) -> tuple[Operation | None, list[Violation]]:
        op = self.find(method, path)
        if op is None or op.body_pointer is None or body is None:
            return op, []
        errors = self.errors(op.body_pointer, body)
        found = [
            Violation(method, path, op.operation_id, location(leaf), describe(leaf))
            for error in errors
            for leaf in leaf_errors(error)
        ]
        found += [Violation(method, path, op.operation_id, w, m, "limit") for w, m in extra_limits(op, body)]
        return op, found


@functools.cache
def load_spec() -> Spec:
    """Parse and index the spec once per process."""
    with find_spec_file().open("rb") as fh:
        document = json.load(fh)
    _loosen(document)
    return Spec(document)


def location(error: ValidationError) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)


def leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    """Narrow an ``anyOf``/``oneOf`` failure to the branch the body was meant to match.

    Union members in Discord's spec are told apart by a ``type`` enum (callback type,
    component type, option type); branches failing on that discriminator are dropped so
    the report says "data.choices is too long" instead of "not valid under any schema".
    """
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        yield error
        return
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    depth = len(error.absolute_path)

    def discriminator_mismatch(subs: list[ValidationError]) -> bool:
        return any(
            s.validator in ("enum", "const", "type")
            and len(s.absolute_path) in (depth, depth + 1)
            and (len(s.absolute_path) == depth or s.absolute_path[-1] == "type")
            for s in subs
        )

    candidates = [subs for subs in branches.values() if not discriminator_mismatch(subs)]
    if len(candidates) == 1:
        for sub in candidates[0]:
            yield from leaf_errors(sub)
        return
    # Look-alike branches (integer/number/string choices) often fail the same way: report that.
    leaf_sets = [{_key(leaf): leaf for sub in subs for leaf in leaf_errors(sub)} for subs in candidates]
    common = set.intersection(*(set(s) for s in leaf_sets)) if leaf_sets else set()
    if common:
        yield from (leaf_sets[0][k] for k in sorted(common, key=str))
        return
    yield best_match([error]) or error


def _key(error: ValidationError) -> tuple[str, str, str]:
    return location(error), str(error.validator), describe(error)


def describe(error: ValidationError) -> str:
    """A short message: jsonschema's own repeats the whole (possibly huge) instance."""
    value, limit = error.instance, error.validator_value
    if error.validator in ("maxLength", "minLength") and isinstance(value, str):
        return f"string of length {len(value)} breaks {error.validator} {limit}"
    if error.validator in ("maxItems", "minItems") and isinstance(value, list):
        return f"array of {len(value)} items breaks {error.validator} {limit}"
    message = str(error.message)
    return message if len(message) <= 300 else message[:297] + "..."


def _text(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def embed_total(embeds: list[Any]) -> int:
    total = 0
    for embed in embeds:
        if not isinstance(embed, dict):
            continue
        total += _text(embed.get("title")) + _text(embed.get("description"))
        total += _text((embed.get("footer") or {}).get("text")) + _text((embed.get("author") or {}).get("name"))
        for field in embed.get("fields") or []:
            if isinstance(field, dict):
                total += _text(field.get("name")) + _text(field.get("value"))
    return total


def _message_bodies(op: Operation, body: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(body, dict):
        return
    if op.operation_id == "create_interaction_response":
        if body.get("type") in (4, 7) and isinstance(body.get("data"), dict):
            yield "$.data", body["data"]
        return
    if "message" in op.operation_id or op.operation_id == "execute_webhook":
        yield "$", body


def _command_limits(commands: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(commands, list):
        return
    for i, command in enumerate(commands):
        if not isinstance(command, dict):
            continue
        yield from _option_limits(f"$[{i}]", command, command.get("type", 1) == 1)


def _option_limits(where: str, item: dict[str, Any], check_name: bool) -> Iterator[tuple[str, str]]:
    name = item.get("name")
    if check_name and isinstance(name, str) and (not COMMAND_NAME.match(name) or name != name.lower()):
        yield f"{where}.name", f"{name!r} must be 1-32 lowercase letters, digits, '-' or '_'"
    options = item.get("options") or []
    seen_optional = False
    for j, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        if option.get("type") not in (1, 2):
            if option.get("required") and seen_optional:
                yield f"{where}.options[{j}]", "required options must be listed before optional ones"
            seen_optional = seen_optional or not option.get("required")
        yield from _option_limits(f"{where}.options[{j}]", option, True)


def extra_limits(op: Operation, body: Any) -> Iterator[tuple[str, str]]:
    """Discord limits that ``openapi.json`` does not state (checked on top of the schema)."""
    if op.operation_id in ("bulk_set_application_commands", "bulk_set_guild_application_commands"):
        yield from _command_limits(body)
        return
    for where, message in _message_bodies(op, body):
        content = message.get("content")
        if isinstance(content, str) and len(content) > MAX_CONTENT:
            yield f"{where}.content", f"content is {len(content)} characters, Discord allows {MAX_CONTENT}"
        embeds = message.get("embeds")
        if isinstance(embeds, list) and (total := embed_total(embeds)) > MAX_EMBED_TOTAL:
            yield f"{where}.embeds", f"embeds total {total} characters, Discord allows {MAX_EMBED_TOTAL}"
