"""Loading: positions, document shapes, safety limits and encodings."""

from __future__ import annotations

from pathlib import Path

import pytest

from aligncheck import Settings, check_paths
from aligncheck.findings import Pos
from aligncheck.nodes import Map, Scalar, Seq
from aligncheck.parsing import Limits, ParseError, load_json, load_yaml
from tests.helpers import OFFLINE, codes, lint_text, located


def test_yaml_positions_are_one_based() -> None:
    [root] = load_yaml("a: 1\nb:\n  - x\n  - {c: d}\n", Limits()).documents
    assert isinstance(root, Map)
    assert root.entries["a"].key_pos == Pos(1, 1)
    assert root.entries["a"].value.pos == Pos(1, 4)
    seq = root.entries["b"].value
    assert isinstance(seq, Seq)
    assert [item.pos for item in seq.items] == [Pos(3, 5), Pos(4, 5)]


def test_json_positions_match_the_text() -> None:
    [root] = load_json('{\n  "a": [1, true],\n  "b": {"c": "d\\u00e9"}\n}').documents
    assert isinstance(root, Map)
    assert root.entries["b"].key_pos == Pos(3, 3)
    inner = root.entries["b"].value
    assert isinstance(inner, Map)
    value = inner.entries["c"].value
    assert isinstance(value, Scalar)
    assert (value.value, value.pos) == ("d\u00e9", Pos(3, 14))
    items = root.entries["a"].value
    assert isinstance(items, Seq)
    assert [(i.pos, i.value) for i in items.items if isinstance(i, Scalar)] == [
        (Pos(2, 9), 1),
        (Pos(2, 12), True),
    ]


def test_yaml_timestamps_stay_text() -> None:
    [root] = load_yaml("maxdelivertime: 2026-01-01 10:00:00\n", Limits()).documents
    assert isinstance(root, Map)
    value = root.entries["maxdelivertime"].value
    assert isinstance(value, Scalar)
    assert value.value == "2026-01-01 10:00:00"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a: !!python/object:os.system x\n", "not allowed"),
        ("a: &r [*r]\n", "refers to itself"),
        ("a: [unclosed\n", "invalid YAML"),
        ("[" * 300 + "]" * 300 + "\n", "nested"),
    ],
)
def test_unsafe_or_invalid_yaml_is_refused(text: str, fragment: str) -> None:
    with pytest.raises(ParseError, match=fragment):
        load_yaml(text, Limits())


def test_alias_bomb_is_refused() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for this, prev in zip("bcdefghi", "abcdefgh", strict=True):
        lines.append(f"{this}: &{this} [{', '.join(['*' + prev] * 9)}]")
    with pytest.raises(ParseError, match="aliases expand"):
        load_yaml("\n".join(lines) + "\n", Limits())


@pytest.mark.parametrize(
    ("data", "pos", "fragment"),
    [
        (b"from: a@x.com\nx: \xff\n", (2, 4), "UTF-8"),
        (b"from: a@x.com\x00\n", (1, 14), "NUL"),
        ("from: a@x.com\n".encode("utf-16"), (1, 1), "UTF-16"),
        (b'{"from": "a@x.com",}', (1, 20), "invalid JSON"),
    ],
)
def test_bad_bytes_are_ac100_at_the_spot(
    tmp_path: Path, data: bytes, pos: tuple[int, int], fragment: str
) -> None:
    path = tmp_path / ("f.json" if data.startswith(b"{") else "f.yaml")
    path.write_bytes(data)
    findings = list(check_paths([str(path)], OFFLINE).findings)
    assert [(f.rule, f.line, f.column) for f in findings] == [("AC100", *pos)]
    assert fragment in findings[0].message


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"\xef\xbb\xbffrom: a@x.com\nenvelope: b@x.com\n")
    assert list(check_paths([str(path)], OFFLINE).findings) == []


def test_size_limit_is_ac100(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("from: a@x.com\ntext: " + "x" * 2000 + "\n")
    settings = Settings(offline=True, limits=Limits(max_bytes=1000))
    findings = list(check_paths([str(path)], settings).findings)
    assert [f.rule for f in findings] == ["AC100"]
    assert "size limit" in findings[0].message


@pytest.mark.parametrize("name", ["send.yaml", "send.json"])
def test_duplicate_keys_are_reported(tmp_path: Path, name: str) -> None:
    text = (
        '{"from": "a@x.com", "envelope": "b@x.com", "from": "c@x.com"}'
        if name.endswith(".json")
        else "from: a@x.com\nenvelope: b@x.com\nfrom: c@x.com\n"
    )
    findings = lint_text(tmp_path, text, name)
    assert codes(findings) == ["AC100"]
    assert "duplicate key `from`" in findings[0].message


def test_multi_document_yaml_counts_sends_across_documents(tmp_path: Path) -> None:
    text = "from: a@x.com\nenvelope: b@x.com\n---\n- from: c@x.com\n  envelope: <b@x.com>\n"
    findings = lint_text(tmp_path, text)
    assert [(f.rule, f.line, f.send) for f in findings] == [("AC300", 5, 1)]


def test_list_entries_that_are_not_mappings(tmp_path: Path) -> None:
    findings = lint_text(tmp_path, "- from: a@x.com\n  envelope: b@x.com\n- 42\n")
    assert [(f.rule, f.line, f.column, f.send) for f in findings] == [("AC101", 3, 3, None)]


def test_explicit_file_without_sends_is_ac101(tmp_path: Path) -> None:
    assert located(lint_text(tmp_path, "name: ci\non: push\n")) == [("AC101", 1, 1)]


def test_directory_expansion_skips_files_without_sends(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text("name: ci\n")
    (tmp_path / "notes.txt").write_text("from: x\n")
    (tmp_path / "send.json").write_text('{"from": "a@x.com", "envelope": "<b@x.com>"}')
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "send.yaml").write_text("from: a@x.com\nenvelope: <b@x.com>\n")
    report = check_paths([str(tmp_path)], OFFLINE)
    assert report.files == 1
    assert [(Path(f.path).name, f.rule) for f in report.findings] == [("send.json", "AC300")]


def test_non_send_document_beside_sends_is_ac101(tmp_path: Path) -> None:
    text = "from: a@x.com\nenvelope: b@x.com\n---\nname: not a send\n"
    assert located(lint_text(tmp_path, text)) == [("AC101", 4, 1)]


def test_sends_mapping_shapes(tmp_path: Path) -> None:
    text = "sends: nope\ndefaults: [1]\nextra_key: 1\n"
    assert located(lint_text(tmp_path, text)) == [
        ("AC101", 1, 8),
        ("AC102", 2, 11),
        ("AC103", 3, 1),
    ]


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("x-common", None),  # an extension key, never read: anchors live there
        ("x-anchors", None),
        ("defualts", "unknown key `defualts` beside `sends:` (did you mean `defaults`?)"),
        (
            "other",
            "unknown key `other` beside `sends:` (expected sends, defaults, or an `x-` key, "
            "such as `x-common: &common` for anchors)",
        ),
    ],
)
def test_keys_beside_sends(tmp_path: Path, key: str, said: str | None) -> None:
    """`x-common: &common` beside `sends:` (docker-compose's extension keys) was AC103."""
    text = f"{key}: &base\n  envelope: b@x.com\nsends:\n  - <<: *base\n    from: a@x.com\n"
    findings = lint_text(tmp_path, text)
    assert [f.message for f in findings] == ([said] if said else [])


@pytest.mark.parametrize(
    ("text", "name", "listed", "expected"),
    [
        ("name: ci\non: [push]\n", "ci.yml", False, ["AC101"]),
        ("name: ci\non: [push]\n", "ci.yml", True, []),
        ('{"name": "x", "version": "1"}', "package.json", True, []),
        ("subject: Hi\ntext: Hello\n", "almost.yaml", True, ["AC101"]),
        ("defaults:\n  envelope: b@example.com\n", "d.yaml", True, ["AC101"]),
        ('{"aligncheck_snapshot": 1, "answers": {}}', "dns.json", False, []),
        ('{"aligncheck_snapshot": 1, "answers": {}}', "dns.json", True, []),
    ],
)
def test_named_files_without_sends(
    tmp_path: Path, text: str, name: str, listed: bool, expected: list[str]
) -> None:
    settings = Settings(offline=True, skip_non_send_files=listed)
    findings = lint_text(tmp_path, text, name, settings)
    assert [f.rule for f in findings] == expected


@pytest.mark.parametrize("name", ["sends.yaml", "sends.json"])
def test_every_duplicate_key_is_reported_where_it_is_written(tmp_path: Path, name: str) -> None:
    """Keys written twice at any depth, in any document: one AC100 each, at the later key
    (the value aligncheck checks)."""
    if name.endswith(".json"):
        text = (
            '{"sends": [\n'
            '  {"from": "a@x.com", "dsn": {"notify": "NEVER", "notify": "FAILURE"}},\n'
            '  {"from": "b@x.com", "envelope": "e@x.com", "envelope": "f@x.com"}\n'
            "]}\n"
        )
        expected = [(2, 50, "notify"), (3, 46, "envelope")]
    else:
        text = (
            "from: a@x.com\ndsn:\n  notify: NEVER\n  ret: HDRS\n  notify: FAILURE\n"
            "---\nfrom: b@x.com\nenvelope: e@x.com\nenvelope: f@x.com\n"
        )
        expected = [(5, 3, "notify"), (9, 1, "envelope")]
    findings = [f for f in lint_text(tmp_path, text, name) if "duplicate key" in f.message]
    assert [(f.line, f.column, f.message.split("`")[1]) for f in findings] == expected
    assert {f.rule for f in findings} == {"AC100"}


SHAPES = [  # a JSON text, and in how many of the three runs (explicit, listed, discovered)
    # the loader builds its positioned tree: where it holds a send, or is reported (AC101)
    ('{"from": "a@x.com", "envelope": "b@x.com"}', 3),
    ('[{"from": "a@x.com"}, 42]', 3),
    ('{"sends": "nope"}', 3),
    ('{"name": "x", "version": "1"}', 1),
    ('{"subject": "Hi", "text": "Hello"}', 2),
    ('{"defaults": {"envelope": "b@x.com"}}', 2),
    ('{"aligncheck_snapshot": 1, "answers": {}}', 0),
    ('[1, 2, {"name": "x"}]', 1),
    ('{"packages": {"a": {"from": "x@y.com", "envelope": "b@y.com"}}}', 1),
    ('{"x": [{"from": "a@x.com"}]}', 1),
    ('"just a string"', 1),
    ("[]", 1),
    # a redirect list: sends only where named on its own (spec §1 as written)
    ('[{"from": "/old", "to": "/new"}]', 1),
    ('{"from": "https://old.example/a", "to": "https://new.example/a"}', 1),
]


def _rules_by_mode(tmp_path: Path, text: str, name: str) -> list[list[str]]:
    """The rules found in `text` named explicitly, named in a file list, and found by
    expanding its directory."""
    found = []
    for mode in ("explicit", "listed", "discovered"):
        folder = tmp_path / f"{mode}-{name}"
        folder.mkdir()
        path = folder / name
        path.write_text(text, encoding="utf-8")
        settings = Settings(offline=True, skip_non_send_files=mode == "listed")
        target = folder if mode == "discovered" else path
        found.append(sorted(f.rule for f in check_paths([str(target)], settings).findings))
    return found


@pytest.mark.parametrize(("text", "built"), SHAPES)
def test_a_json_file_is_left_out_unread_only_where_reading_it_would_leave_it_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, built: int
) -> None:
    # the JSON loader decides from what json.loads read, before building the positioned tree;
    # the same text read as YAML (every tree built) is the oracle
    from aligncheck import parsing

    trees: list[str] = []
    parse = parsing._JsonParser.parse

    def counted(self: parsing._JsonParser) -> object:
        trees.append(self._text)
        return parse(self)

    monkeypatch.setattr(parsing._JsonParser, "parse", counted)
    assert _rules_by_mode(tmp_path, text, "shape.json") == _rules_by_mode(
        tmp_path, text, "shape.yaml"
    )
    assert len(trees) == built


@pytest.mark.parametrize("name", ["package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml"])
def test_lock_files_are_left_out_unread_unless_named_outside_a_file_list(
    tmp_path: Path, name: str
) -> None:
    # what package managers write holds no send: even one shaped like a send is left out
    # where a file holding no send would be; named on its own, it is checked like any file
    text = '{"from": "a@x.com", "envelope": "<b@x.com>"}'
    assert _rules_by_mode(tmp_path, text, name) == [["AC300"], [], []]


HELM_TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "chart.fullname" . }}
  labels:
    {{- include "chart.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
"""
CLOUDFORMATION = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-data"
Outputs:
  Arn: {Value: !GetAtt Bucket.Arn}
"""
SKIPPED_BUT_NAMED = [["AC100"], [], []]  # (explicit, listed, discovered)
ALWAYS = [["AC100"]] * 3


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        # tsconfig.json, editor settings: JSON with comments and trailing commas, no send
        (
            "tsconfig.json",
            '{\n  // compiler\n  "compilerOptions": {"strict": true, /* all */},\n}\n',
            SKIPPED_BUT_NAMED,
        ),
        ("settings.json", '{"a": "http://x/*y*/", "b": [1, 2,],}', SKIPPED_BUT_NAMED),
        # a send file with a comment is still no JSON to SMTPeter
        ("send.json", '{"from": "a@x.com", // who\n "envelope": "b@x.com"}', ALWAYS),
        # what no comment explains stays a parse error wherever the file comes from
        ("other.json", '{"name": x}', ALWAYS),
        # a Helm chart's template
        ("deployment.yaml", HELM_TEMPLATE, SKIPPED_BUT_NAMED),
        # Jinja statements, as Salt or cookiecutter write them
        (
            "settings.yaml",
            "{% if prod %}\nreplicas: 3\n{% else %}\nreplicas: 1\n{% endif %}\nname: {{ name }}\n",
            SKIPPED_BUT_NAMED,
        ),
        # a send file stays a parse error, template actions or not
        ("send.yaml", "from: {{ .From }}\nenvelope: b@x.com\n", ALWAYS),
        ("other.yaml", "kind: x\nspec: [unclosed\n", ALWAYS),
        # tags of other tools' own: CloudFormation, GitLab CI
        ("stack.yaml", CLOUDFORMATION, SKIPPED_BUT_NAMED),
        (
            ".gitlab-ci.yml",
            "test:\n  script:\n    - !reference [.setup, script]\n",
            SKIPPED_BUT_NAMED,
        ),
        # ... in a send file, still refused
        ("tagged.yaml", "from: a@x.com\nenvelope: !Sub b@x.com\n", ALWAYS),
    ],
)
def test_text_other_tools_write_that_holds_no_send_is_left_out_like_a_file_holding_none(
    tmp_path: Path, name: str, text: str, expected: list[list[str]]
) -> None:
    assert _rules_by_mode(tmp_path, text, name) == expected


REDIRECTS = """\
- from: /blog/2019/old-post
  to: /blog/new-post
- from: /docs/v1/
  to: /docs/
"""

ANSIBLE_TASKS = """\
- name: Write nginx config
  template:
    src: nginx.conf.j2
    dest: /etc/nginx/nginx.conf
  notify: restart nginx
- name: Ensure nginx runs
  service: {name: nginx, state: started}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an Ansible task list: `template` is a send marker, but the tasks are no sends
        (ANSIBLE_TASKS, [["AC103", "AC103", "AC103", "AC103", "AC200", "AC203"], [], []]),
        # a send with typos still counts when a marker only send files use is there ...
        (
            "from: a@x.com\nenevlope: b@x.com\nrecipient: c@x.com\nsubjct: Hi\n",
            [["AC103"] * 2] * 3,
        ),
        # ... or when its keys are mostly send properties
        ("- from: nobody\n  subject: Hi\n  text: Hello\n", [["AC202"]] * 3),
        # a site's redirects (Jekyll, Netlify): a `from` that is a path or URL is no author
        (REDIRECTS, [["AC202"] * 2, [], []]),
        ("from: https://old.example/a\nto: https://new.example/a\n", [["AC201"], [], []]),
        # ... beside a marker only send files use, it is a send with a mistake
        ("- from: /old\n  to: /new\n  recipient: a@x.com\n", [["AC202"]] * 3),
    ],
)
def test_a_file_that_may_be_anything_holds_sends_only_where_they_plainly_are_sends(
    tmp_path: Path, text: str, expected: list[list[str]]
) -> None:
    assert _rules_by_mode(tmp_path, text, "main.yml") == expected


def test_merge_keys_bring_in_entries_where_they_are_written_and_written_ones_win() -> None:
    # YAML 1.1 merge keys, as PyYAML and js-yaml read a send file: the earlier `<<:` mapping
    # wins over a later one, and a key written in the mapping itself wins over both
    text = (
        "- &a {envelope: a@x.com, subject: A}\n"
        "- &b {envelope: b@x.com, text: B, dsn: {ret: HDRS}}\n"
        "- <<: [*a, *b]\n"
        "  subject: own\n"
    )
    [root] = load_yaml(text, Limits()).documents
    assert isinstance(root, Seq)
    third = root.items[2]
    assert isinstance(third, Map)
    values = {
        key: (entry.value.value if isinstance(entry.value, Scalar) else None, entry.key_pos)
        for key, entry in third.entries.items()
    }
    assert values == {
        "subject": ("own", Pos(4, 3)),
        "envelope": ("a@x.com", Pos(1, 7)),
        "text": ("B", Pos(2, 26)),
        "dsn": (None, Pos(2, 35)),
    }


def test_a_value_inherited_through_a_merge_key_is_reported_once_where_it_is_written(
    tmp_path: Path,
) -> None:
    text = (
        "- &base\n"
        "  from: news@example.com\n"
        "  envelope: Bounces <b@example.com>\n"
        "- <<: *base\n"
        "  recipient: c@example.org\n"
    )
    findings = lint_text(tmp_path, text)
    assert [(f.rule, f.line, f.column, f.sends) for f in findings] == [("AC300", 3, 13, (0, 1))]


@pytest.mark.parametrize("value", ["<<: 42\n", "<<: [*base, 42]\n"])
def test_a_merge_key_that_names_no_mapping_is_ac100(tmp_path: Path, value: str) -> None:
    text = "- &base {from: a@x.com}\n- " + value
    [finding] = lint_text(tmp_path, text)
    assert (finding.rule, "takes a mapping" in finding.message) == ("AC100", True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # some other large file: left out where aligncheck guesses, AC100 where named alone
        ('{"features": [' + ", ".join(['{"type": "Point"}'] * 40) + "]}", [["AC100"], [], []]),
        ("items:\n" + "  - name: x\n" * 50, [["AC100"], [], []]),
        # a file that names send keys stays AC100 everywhere: it may be a send file
        ('{"sends": [' + ", ".join(['{"from": "a@x.com"}'] * 40) + "]}", [["AC100"]] * 3),
        ("- envelope: b@x.com\n" * 40, [["AC100"]] * 3),
        ("- from: a@x.com\n  text: hi\n" * 40, [["AC100"]] * 3),  # in doubt, reported
    ],
)
def test_a_file_over_the_size_limit_is_reported_only_where_it_may_be_a_send_file(
    tmp_path: Path, text: str, expected: list[list[str]]
) -> None:
    """A large data file named by pre-commit was AC100 on every commit that touched it."""
    assert len(text.encode()) > 500
    found = []
    for mode in ("explicit", "listed", "discovered"):
        folder = tmp_path / mode
        folder.mkdir()
        path = folder / "big.json"
        path.write_text(text, encoding="utf-8")
        settings = Settings(offline=True, skip_non_send_files=mode == "listed", limits=Limits(500))
        target = folder if mode == "discovered" else path
        found.append(sorted(f.rule for f in check_paths([str(target)], settings).findings))
    assert found == expected
