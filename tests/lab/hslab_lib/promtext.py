"""A strict reader of Prometheus' text format (version 0.0.4), for the exporter's scenario: it
refuses what Prometheus would take with a shrug, so that the exporter's output stays clean.

    samples, types, helps = promtext.parse(text)      # raises ValueError with the line
    samples[("hotstandby_up", (("daemon", "hrpd"),))] -> 1.0

Checks: every sample's family has a TYPE (and a HELP) before the sample, a family's samples are
together, no family is declared twice, names and label names are valid, a counter's name ends in
_total, no label appears twice in a sample, no series appears twice, values are numbers."""

import re

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*$")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
ESCAPES = {"\\": "\\", '"': '"', "n": "\n"}


def _labels(text, lineno):
    """Parses 'a="x",b="y"}' (after the opening brace); returns (labels, rest of the line)."""
    labels, i = [], 0
    while True:
        if text[i:i + 1] == "}":
            return tuple(labels), text[i + 1:]
        eq = text.find("=", i)
        if eq < 0:
            raise ValueError("line %d: label without '='" % lineno)
        name = text[i:eq]
        if not LABEL.match(name) or name.startswith("__"):
            raise ValueError("line %d: bad label name %r" % (lineno, name))
        if any(n == name for n, _ in labels):
            raise ValueError("line %d: label %s twice" % (lineno, name))
        if text[eq + 1:eq + 2] != '"':
            raise ValueError("line %d: label %s: value not quoted" % (lineno, name))
        i, value = eq + 2, []
        while True:
            if i >= len(text):
                raise ValueError("line %d: label %s: unterminated value" % (lineno, name))
            c = text[i]
            if c == "\\":
                if text[i + 1:i + 2] not in ESCAPES:
                    raise ValueError("line %d: label %s: bad escape" % (lineno, name))
                value.append(ESCAPES[text[i + 1]])
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                value.append(c)
                i += 1
        labels.append((name, "".join(value)))
        if text[i:i + 1] == ",":
            i += 1
        elif text[i:i + 1] != "}":
            raise ValueError("line %d: expected ',' or '}' after label %s" % (lineno, name))


def _value(text, lineno):
    if text in ("NaN", "+Inf", "-Inf"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    try:
        return float(text)
    except ValueError:
        raise ValueError("line %d: value %r is not a number" % (lineno, text)) from None


def parse(text):
    samples, types, helps = {}, {}, {}
    current, done = None, set()
    if text and not text.endswith("\n"):
        raise ValueError("the text does not end with a line feed")
    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if not line:
            continue
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line[7:].split(" ", 1)
            name = parts[0]
            if not NAME.match(name):
                raise ValueError("line %d: bad metric name %r" % (lineno, name))
            if name in done or (current and name != current and name in types):
                raise ValueError("line %d: family %s declared again" % (lineno, name))
            if line.startswith("# HELP "):
                if name in helps:
                    raise ValueError("line %d: second HELP for %s" % (lineno, name))
                helps[name] = parts[1] if len(parts) > 1 else ""
            else:
                if name in types:
                    raise ValueError("line %d: second TYPE for %s" % (lineno, name))
                if len(parts) < 2 or parts[1] not in TYPES:
                    raise ValueError("line %d: bad TYPE line" % lineno)
                types[name] = parts[1]
            if current and current != name:
                done.add(current)
            current = name
            continue
        if line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{?)", line)
        if not m:
            raise ValueError("line %d: not a sample: %r" % (lineno, line))
        name, rest = m.group(1), line[m.end():]
        labels = ()
        if m.group(2):
            labels, rest = _labels(rest, lineno)
        if name not in types:
            raise ValueError("line %d: %s has no TYPE before it" % (lineno, name))
        if name not in helps:
            raise ValueError("line %d: %s has no HELP" % (lineno, name))
        if name != current:
            raise ValueError("line %d: %s is not with the rest of its family" % (lineno, name))
        if types[name] == "counter" and not name.endswith("_total"):
            raise ValueError("line %d: counter %s does not end in _total" % (lineno, name))
        fields = rest.split(" ")
        if len(fields) not in (2, 3) or fields[0] != "":
            raise ValueError("line %d: expected ' VALUE [TIMESTAMP]'" % lineno)
        key = (name, tuple(sorted(labels)))
        if key in samples:
            raise ValueError("line %d: series %s%s twice" % (lineno, name, dict(labels)))
        samples[key] = _value(fields[1], lineno)
    return samples, types, helps


def value(samples, metric, /, **labels):
    """The value of one series, or None (labels are strings or numbers: vrid=1)."""
    return samples.get((metric, tuple(sorted((k, str(v)) for k, v in labels.items()))))


def series(samples, metric):
    """{labels as a sorted tuple of pairs: value} of one family."""
    return {k[1]: v for k, v in samples.items() if k[0] == metric}
