"""The other languages of translations/ against en.json: keys, placeholders, markup.

    scripts/translations_missing [REV]          (the wrapper: reads en.json at REV with git)
    scripts/env python -m validation.translations [--old FILE|-] [LANG...]

Lists, per language, the keys of en.json the language lacks and the keys it has that
en.json does not, what breaks Home Assistant's markup, and, given the English of an
older revision (`--old`, `-` for stdin), the keys whose English changed since then: the
texts a translator must look at again. Exits 1 when anything is listed. Runs on the
host's Python too (standard library only), where git is.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

TRANSLATIONS = (
    Path(__file__).resolve().parents[1] / "custom_components" / "tuya_lan" / "translations"
)

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
PLACEHOLDER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
CODE = re.compile(r"`([^`]*)`")
REFERENCE = "[%key:"
# Texts this long that a translation leaves word for word in English were not translated.
UNTRANSLATED_MIN_WORDS = 4
WORD = re.compile(r"[A-Za-z]{2,}")


def flatten(strings: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": "text"}} -> {"a.b": "text"}: one entry per translated text."""
    flat: dict[str, Any] = {}
    for key, value in strings.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat |= flatten(value, f"{path}.")
        else:
            flat[path] = value
    return flat


def brace_errors(text: str) -> list[str]:
    """Braces that are not a {placeholder}: a lone brace, nesting, an empty or odd name."""
    errors: list[str] = []
    rest = PLACEHOLDER.sub(
        lambda match: "" if PLACEHOLDER_NAME.fullmatch(match.group(1)) else "\0",
        text,
    )
    if "\0" in rest:
        errors.append("a placeholder that is not {a_name}")
    if "{" in rest or "}" in rest:
        errors.append("an unbalanced brace")
    return errors


def placeholders(text: str) -> set[str]:
    """The names of the {placeholders} of a text."""
    return {name for name in PLACEHOLDER.findall(text) if PLACEHOLDER_NAME.fullmatch(name)}


def _markup(text: str) -> dict[str, Counter[str]]:
    """What a translation must keep as it is: link targets, code, bold, line breaks."""
    return {
        "link targets": Counter(target for _, target in LINK.findall(text)),
        "links": Counter({"[text](url)": len(LINK.findall(text))}),
        "code spans": Counter(CODE.findall(text)),
        "backticks": Counter({"`": text.count("`")}),
        "bold markers": Counter({"**": text.count("**")}),
        "line breaks": Counter({"\\n": text.count("\n")}),
    }


def _words(text: str) -> list[str]:
    return WORD.findall(PLACEHOLDER.sub(" ", CODE.sub(" ", text)))


def compare(english: Mapping[str, Any], other: Mapping[str, Any]) -> list[str]:
    """What is wrong with a language file against en.json, one line per problem."""
    source, target = flatten(english), flatten(other)
    problems = [f"{key}: missing" for key in source if key not in target]
    problems += [f"{key}: not in en.json" for key in target if key not in source]
    for key, text in target.items():
        if key not in source:
            continue
        reference = source[key]
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{key}: not a text")
            continue
        if not isinstance(reference, str):
            continue
        if reference.startswith(REFERENCE) or text.startswith(REFERENCE):
            # A [%key:...%] reference is kept as it is (core resolves it from strings.json).
            if text != reference:
                problems.append(f"{key}: the reference {reference!r} became {text!r}")
            continue
        problems += [f"{key}: {error}" for error in brace_errors(text)]
        lost, added = (
            placeholders(reference) - placeholders(text),
            placeholders(text) - placeholders(reference),
        )
        if lost or added:
            problems.append(
                f"{key}: placeholders lost {sorted(lost)}, added {sorted(added)}"
                " (keep every {name} of the English, spelled the same)"
            )
        want, got = _markup(reference), _markup(text)
        for part, counts in want.items():
            if got[part] != counts:
                problems.append(
                    f"{key}: {part} differ from the English"
                    f" ({dict(counts)} there, {dict(got[part])} here)"
                )
        if text == reference and len(_words(reference)) >= UNTRANSLATED_MIN_WORDS:
            problems.append(f"{key}: still the English text")
    return problems


def changed(old_english: Mapping[str, Any], english: Mapping[str, Any]) -> list[str]:
    """The keys whose English text is new or different since the old en.json."""
    before = flatten(old_english)
    return [key for key, text in flatten(english).items() if before.get(key) != text]


def languages(directory: Path = TRANSLATIONS) -> Iterator[Path]:
    """The translation files other than en.json."""
    yield from (path for path in sorted(directory.glob("*.json")) if path.name != "en.json")


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def report(
    english: Mapping[str, Any], files: list[Path], old_english: Mapping[str, Any] | None
) -> list[str]:
    """Per language, what to do; empty when every language is complete and up to date."""
    lines: list[str] = []
    stale = changed(old_english, english) if old_english is not None else []
    for path in files:
        problems = compare(english, _load(path))
        have = flatten(_load(path))
        problems += [f"{key}: the English changed" for key in stale if key in have]
        if problems:
            lines.append(f"{path.stem}: {len(problems)} to do")
            lines += [f"  {problem}" for problem in problems]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m validation.translations",
        description="Keys each language lacks, has too many of, or whose English changed.",
    )
    parser.add_argument(
        "--old",
        help="en.json of an older revision ('-': read it from stdin); its changed texts are listed",
    )
    parser.add_argument(
        "--dir", type=Path, default=TRANSLATIONS, help="the translations/ directory"
    )
    parser.add_argument("langs", nargs="*", help="languages to check (default: every file)")
    args = parser.parse_args(argv)
    english = _load(args.dir / "en.json")
    old_english = None
    if args.old == "-":
        old_english = json.load(sys.stdin)
    elif args.old:
        old_english = _load(Path(args.old))
    files = list(languages(args.dir))
    if args.langs:
        files = [path for path in files if path.stem in args.langs]
        unknown = set(args.langs) - {path.stem for path in files}
        if unknown:
            parser.error(f"no translations/<lang>.json for {sorted(unknown)}")
    lines = report(english, files, old_english)
    print("\n".join(lines) if lines else f"{len(files)} language(s) complete.")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
