#!/usr/bin/env python3
"""Writes the committed seed corpora (fuzz/seeds/<target>/) from the API fixtures.

Usage: fuzz/make_seeds.py [FIXTURES]   (default: ../shared/fixtures next to the repository,
else tests/fixtures). Rerun after the fixtures change; the output is deterministic.

Inputs of the HTTP parsers start with two bytes, [status index, content-type index], in the
order of STATUSES and CONTENT_TYPES in fuzz/src/lib.rs; the Alertmanager target has one more
byte in front that picks the parser.
"""

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "fuzz" / "seeds"

STATUSES = [200, 204, 299, 199, 300, 400, 401, 403, 404, 405, 422, 429, 499, 500, 503, 504]
CONTENT_TYPES = [None, "application/json", "application/json; charset=utf-8",
                 "text/plain; charset=utf-8", "text/html"]


def status_index(status):
    return STATUSES.index(status) if status in STATUSES else 0


def ctype_index(ctype):
    if ctype is None:
        return 0
    if ctype in CONTENT_TYPES:
        return CONTENT_TYPES.index(ctype)
    if "json" in ctype:
        return 1
    if ctype.startswith("text/plain"):
        return 3
    return 4


def answer(path, index):
    """[status, content type] + body, from the fixture's index entry or its file name."""
    meta = index.get(path.name)
    if meta:
        status, ctype = meta.get("status", 200), meta.get("content_type")
    else:
        m = re.match(r"error_(\d{3})_", path.name)
        status = int(m.group(1)) if m else 200
        ctype = "application/json" if path.suffix == ".json" else "text/plain; charset=utf-8"
    return bytes([status_index(status), ctype_index(ctype)]) + shrink(path.read_bytes())


def shrink(body):
    """The 128 KiB log line of the Loki edge cases, cut to 4 KiB (seeds stay small)."""
    return re.sub(rb"(0123456789abcdef){256,}", b"0123456789abcdef" * 256, body)


def write(target, name, data):
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def load_index(d):
    p = d / "_index.json"
    return json.loads(p.read_text()) if p.exists() else {}


def http_seeds(fx):
    prom, am = fx / "prometheus", fx / "alertmanager"
    prom_index, am_index = load_index(prom), load_index(am)
    for p in sorted(prom.glob("*.json")):
        if p.name.startswith("_"):
            continue
        target = "prometheus_alerts" if p.name in ("alerts.json", "rules_type_alert.json") \
            else "prometheus_response"
        write(target, p.name, answer(p, prom_index))
    for p in sorted(prom.glob("error_*.txt")) + sorted(prom.glob("constructed_*.txt")):
        write("prometheus_response", p.name, answer(p, prom_index))
        write("prometheus_alerts", p.name, answer(p, prom_index))
    for p in sorted(prom.glob("error_*.json"))[:3]:
        write("prometheus_alerts", p.name, answer(p, prom_index))
    for i, line in enumerate((prom / "codec_test_scalar_points.jsonl").read_bytes().splitlines()):
        write("prometheus_response", f"codec_test_scalar_points_{i}.json", bytes([0, 1]) + line)

    for p in sorted(am.glob("*")):
        if p.name.startswith("_") or p.name.startswith("request_"):
            continue
        if p.name.startswith("silences"):
            which = 1
        elif p.name.startswith("silence_by_id"):
            which = 2
        elif "post_silence" in p.name or p.name.startswith("delete_silence"):
            which = 3
        elif "silence" in p.name:
            which = 1
        else:
            which = 0
        write("alertmanager_alerts", p.name, bytes([which]) + answer(p, am_index))

    loki = fx / "loki"
    for p in sorted(loki.glob("query_*.json")) + sorted(loki.glob("error_*.txt")):
        write("loki_query_range", p.name, answer(p, {}))
    for p in sorted(loki.glob("tail_frame_*.json")):
        write("loki_tail_frame", p.name, p.read_bytes())
    for i, line in enumerate((loki / "tail_frames.jsonl").read_bytes().splitlines()):
        write("loki_tail_frame", f"tail_frames_{i}.json", line)

    sentry = fx / "sentry"
    for p in sorted(sentry.glob("*.json")):
        if p.name.startswith("_"):
            continue
        write("sentry_issues", p.name, answer(p, {}))


def link_header_seeds(fx):
    text = (fx / "sentry" / "link-headers.txt").read_text()
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line == "value:" and i + 1 < len(lines):
            name = lines[i - 1].removeprefix("name: ").strip() or f"value_{i}"
            write("link_header", name, lines[i + 1].encode())
        m = re.match(r"(X-Sentry-Rate-Limit-Reset|Retry-After): (.*)", line)
        if m:
            write("link_header", f"header_{i}", m.group(2).encode())
    write("link_header", "retry_after_date", b"Wed, 02 Dec 2026 07:28:00 GMT")
    write("link_header", "retry_after_seconds", b"120")


def sanitize_seeds(fx):
    """Strings from the fixtures that hold controls, escapes or non-ASCII text."""
    strings = []

    def walk(v):
        if isinstance(v, str):
            if any(ord(c) < 0x20 or ord(c) > 0x7E for c in v):
                strings.append(v)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(k)
                walk(x)

    for p in [fx / "loki" / "query_range_streams_edge_cases.json",
              fx / "sentry" / "org_issues_page1_edge_cases.json",
              fx / "alertmanager" / "alerts.json",
              fx / "prometheus" / "query_vector_tricky_label_values.json"]:
        walk(json.loads(p.read_bytes().decode("utf-8", "surrogateescape")))
    seen = set()
    n = 0
    for s in strings:
        data = s.encode("utf-8", "surrogateescape")[:8192]
        if data in seen:
            continue
        seen.add(data)
        # Mode byte (line, multiline, bounded, osc_payload, redact), then two budget bytes.
        head = bytes([n % 5, 0x51, 0x00])
        write("sanitize", f"fixture_{n:02}", head + data)
        n += 1


def journal_seeds():
    ts = "2026-11-27T19:49:17.456Z"
    events = [
        {"ts": ts, "incident": "am:e3de197ec0ba209b", "event": "detected", "title": "AlwaysFiring",
         "severity": "P1", "source": "am", "summary": "Always firing test alert — ünïcödé ✓",
         "labels": {"alertname": "AlwaysFiring", "severity": "critical"}},
        {"ts": ts, "incident": "am:e3de197ec0ba209b", "event": "notified", "channel": "desktop"},
        {"ts": ts, "incident": "am:e3de197ec0ba209b", "event": "escalated", "from": "P1", "to": "P0"},
        {"ts": ts, "incident": "am:e3de197ec0ba209b", "event": "acknowledged", "by": "alice",
         "note": "looking", "silence_id": "7e036adb-58b6-44d3-b363-d63c381fce0d"},
        {"ts": ts, "incident": "am:e3de197ec0ba209b", "event": "note", "by": "alice", "text": "x"},
        {"ts": ts, "incident": "am:e3de197ec0ba209b", "event": "runbook_command",
         "argv": ["kubectl", "rollout", "undo", "deployment/app"], "exit_code": 0,
         "output_tail": "rolled back"},
        {"ts": ts, "incident": "am:e3de197ec0ba209b", "event": "unacknowledged", "by": "alice"},
        {"ts": ts, "incident": "am:e3de197ec0ba209b", "event": "resolved", "by": None},
        {"ts": "2026-01-20T12:00:00Z", "incident": "x", "event": "resolved"},
    ]
    body = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events).encode()
    write("journal_replay", "all_kinds.jsonl", body)
    write("journal_replay", "torn_last_line.jsonl", body + body[:60])
    write("journal_replay", "garbage_and_blank.jsonl",
          b"\n  \n{not json}\n" + body.splitlines()[0] + b"\n\xff\xfe\n")


def runbook_seeds(fx):
    """argv templates (config.example.toml and tests) with label sets from real alerts."""
    alerts = json.loads((fx / "alertmanager" / "alerts.json").read_bytes())
    templates = [
        ["kubectl", "rollout", "undo", "deployment/{{labels.deployment}}", "-n",
         "{{labels.namespace}}"],
        ["echo", "{{severity}}", "{{id}}", "--note={{title}}", "{{annotations.summary}}"],
        ["ssh", "{{ labels.instance }}", "--", "systemctl", "status", "{{labels.job}}"],
        ["echo", "{{labels.alertname}}{{labels.missing}}", "a}}b", "{{labels."],
    ]
    for i, argv in enumerate(templates):
        a = alerts[i % len(alerts)]
        labels = dict(a["labels"], deployment="app", namespace="-n")
        pairs = lambda m: b"\xfe".join(k.encode() + b"\xfd" + v.encode() for k, v in m.items())
        parts = [b"\xfe".join(x.encode() for x in argv), pairs(labels), pairs(a["annotations"]),
                 ("am:" + a["fingerprint"]).encode(), a["labels"]["alertname"].encode(), bytes([i])]
        write("runbook_argv", f"template_{i}", b"\xff".join(parts))


def config_seeds():
    """The example config cut into small configs: its sources plus one other part each (the
    config target runs with a small -max_len; a whole 12 KB config parses 10x slower)."""
    lines = [l for l in (REPO / "config.example.toml").read_text().splitlines()
             if not l.lstrip().startswith("#")]
    parts, current = [], []
    for line in lines:
        if line.startswith("[") and not line.startswith("[sources."):
            parts.append(current)
            current = []
        current.append(line)
    parts.append(current)
    base, rest = parts[0] + parts[1], parts[2:]  # preamble, [general] and [sources.*]
    write("config", "example_00_sources.toml", "\n".join(base).encode() + b"\n")
    for i, part in enumerate(rest, 1):
        name = re.sub(r"[^a-z]+", "_", part[0]).strip("_")
        write("config", f"example_{i:02}_{name}.toml", "\n".join(base + part).encode() + b"\n")
    text = (REPO / "tests" / "config.rs").read_text()
    m = re.search(r'const GOOD: &str = r#"(.*?)"#;', text, re.S)
    if m:
        write("config", "tests_good.toml", m.group(1).encode())


def main():
    fx = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "fixtures"
    if not fx.is_dir():
        fx = REPO / "tests" / "fixtures"
    shutil.rmtree(SEEDS, ignore_errors=True)
    http_seeds(fx)
    link_header_seeds(fx)
    sanitize_seeds(fx)
    journal_seeds()
    runbook_seeds(fx)
    config_seeds()
    total = 0
    for d in sorted(SEEDS.iterdir()):
        files = list(d.iterdir())
        size = sum(f.stat().st_size for f in files)
        total += size
        digest = hashlib.sha256(b"".join(f.read_bytes() for f in sorted(files))).hexdigest()[:12]
        print(f"{d.name:22} {len(files):3} files {size:8} bytes  {digest}")
    print(f"{'total':22} {total:18} bytes")


if __name__ == "__main__":
    main()
