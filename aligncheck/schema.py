"""The JSON Schema of a send file (spec §1), for editors: `aligncheck schema` prints it and
`schema/send-file.schema.json` ships it.

It is built from the declarations aligncheck checks with (the properties and their types of
AC102/AC103, the document shapes of AC101, the DSN values of AC400/AC401/AC403), so the editor
and aligncheck cannot drift apart: a document the schema accepts has none of those findings.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

# What each property is, for an editor's hover text (SMTPeter `/v1/send`).
DESCRIPTIONS = {
    "recipient": "One recipient address (a bare address).",
    "recipients": "Several recipient addresses.",
    "envelope": "The MAIL FROM (bounce) address: a bare address; turns bounce tracking off.",
    "mime": "A complete MIME message; SMTPeter then ignores from, subject, text, html, to, cc.",
    "from": "The From header: an address, `Name <address>`, or {name, address}.",
    "to": "Addresses shown in the To header.",
    "cc": "Addresses shown in the Cc header.",
    "replyto": "Reply-To addresses.",
    "replyTo": "Reply-To addresses.",
    "subject": "The subject.",
    "text": "The text part.",
    "html": "The HTML part.",
    "template": "A stored template (id, name or mapping).",
    "patch": "A JSON Patch applied to the template.",
    "data": "Personalization data.",
    "unsubscribe": "List-Unsubscribe settings.",
    "extra": "Extra headers.",
    "headers": "Extra headers.",
    "attachments": "Attachments.",
    "dsn": "Delivery status notifications (RFC 3461): notify, ret, envid, orcpt.",
    "trackclicks": "Rewrite links to track clicks.",
    "trackopens": "Add a pixel to track opens.",
    "trackbounces": "Let SMTPeter process bounces (off when `envelope` is given).",
    "inlinecss": "Inline the CSS of the HTML part.",
    "preventscam": "Rewrite links that look like scams.",
    "tags": "Tags for reporting.",
    "maxdelivertime": "Give up delivering after this time (`YYYY-MM-DD hh:mm:ss`).",
    "images": "How images are handled.",
    "x-aligncheck": "For aligncheck only: `ignore: [CODE, ...]` suppresses findings in this "
    "send (beside `sends:`, in the whole file).",
    "ignore": "Rule codes or names to suppress here.",
    "notify": "When DSNs are sent: NEVER, or a comma list of SUCCESS, FAILURE, DELAY.",
    "ret": "What a failure DSN returns: FULL (the message) or HDRS (headers only).",
    "envid": "An envelope id echoed in DSNs (printable ASCII, no spaces).",
    "orcpt": "The original recipient, `rfc822;address`.",
}


def notify_values() -> list[str]:
    """Every canonical `notify` value: NEVER, or distinct keywords in any order."""
    from aligncheck.rules.dsn import NOTIFY_KEYWORDS

    values = ["NEVER"]
    for size in range(1, len(NOTIFY_KEYWORDS) + 1):
        values += [",".join(p) for p in itertools.permutations(NOTIFY_KEYWORDS, size)]
    return values


def _properties(declared: dict[str, Any]) -> dict[str, Any]:
    found = {}
    for name, expected in declared.items():
        fragment = dict(expected.schema)
        if name in DESCRIPTIONS:
            fragment["description"] = DESCRIPTIONS[name]
        found[name] = fragment
    return found


def build() -> dict[str, Any]:
    from aligncheck.rules.dsn import RET_VALUES
    from aligncheck.rules.input import DSN_PROPERTIES, MARK_PROPERTIES, SEND_PROPERTIES
    from aligncheck.sources import SEND_MARKERS, SENDS_MAPPING_KEYS

    send_properties = _properties(dict(SEND_PROPERTIES))
    send_properties["dsn"] = {"$ref": "#/$defs/dsn", "description": DESCRIPTIONS["dsn"]}
    send_properties["x-aligncheck"] = {"$ref": "#/$defs/x-aligncheck"}
    dsn_properties = _properties(dict(DSN_PROPERTIES))
    dsn_properties["notify"]["enum"] = notify_values()
    dsn_properties["ret"]["enum"] = list(RET_VALUES)
    markers = sorted(SEND_MARKERS)
    assert set(SENDS_MAPPING_KEYS) == {"sends", "defaults", "x-aligncheck"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "SMTPeter send configurations (aligncheck)",
        "description": (
            "A send, a list of sends, or a mapping with `sends:` and optional `defaults:` "
            "(SMTPeter POST /v1/send properties)."
        ),
        # if/then/else rather than anyOf: an editor then reports the mistake inside the
        # shape the document has, not "valid under none of the shapes"
        "if": {"type": "array"},
        "then": {"$ref": "#/$defs/list-of-sends"},
        "else": {
            "if": {"type": "object", "required": ["sends"]},
            "then": {"$ref": "#/$defs/sends-mapping"},
            "else": {"$ref": "#/$defs/send"},
        },
        "$defs": {
            "properties": {
                "type": "object",
                "properties": send_properties,
                "additionalProperties": False,
            },
            "marked": {  # what makes a mapping a send
                "type": "object",
                "anyOf": [{"required": [marker]} for marker in markers],
            },
            "send": {
                "description": f"A send: a mapping with at least one of {', '.join(markers)}.",
                "allOf": [{"$ref": "#/$defs/properties"}, {"$ref": "#/$defs/marked"}],
            },
            "list-of-sends": {
                "type": "array",
                "items": {"$ref": "#/$defs/properties"},
                "contains": {"$ref": "#/$defs/marked"},
            },
            "sends-mapping": {
                "type": "object",
                "required": ["sends"],
                "properties": {
                    "sends": {
                        "description": "The sends; each inherits the keys of `defaults` it lacks.",
                        "type": ["array", "null"],
                        "items": {"$ref": "#/$defs/properties"},
                    },
                    "defaults": {
                        "description": "Keys used for every send that lacks them (`dsn` whole).",
                        "anyOf": [{"$ref": "#/$defs/properties"}, {"type": "null"}],
                    },
                    "x-aligncheck": {"$ref": "#/$defs/x-aligncheck"},
                },
                # extension keys (`x-common: &common`), never read: a place for YAML anchors
                "patternProperties": {"^x-": {}},
                "additionalProperties": False,
            },
            "dsn": {"type": "object", "properties": dsn_properties, "additionalProperties": False},
            "x-aligncheck": {
                "description": DESCRIPTIONS["x-aligncheck"],
                "type": "object",
                "additionalProperties": False,
                "properties": _properties(dict(MARK_PROPERTIES)),
            },
        },
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
