"""The Finnish interface: every UI string is translated, intact and compiled.

The msgids are extracted afresh from the source with the project's own babel.cfg, so a
new `_("…")` that nobody translated fails here, not in front of a Finnish customer.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from babel.messages.catalog import PYTHON_FORMAT, Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "auditapp" / "translations"
BABEL_CFG = TRANSLATIONS / "babel.cfg"

# The same keywords as the documented `pybabel extract` command (README.md there).
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
}
# The same directories as `--ignore-dirs=".* __pycache__"`. Babel's own default would
# also skip every folder starting with "_", such as templates/_macros.
IGNORED_DIRS = re.compile(r"^(\..*|__pycache__)$")


def _as_tuple(value: str | tuple | list) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _read_po(locale: str) -> Catalog:
    with _po_path(locale).open("rb") as fh:
        return read_po(fh, locale=locale)


def _source_messages() -> dict[tuple[str, str | None], tuple[tuple[str, ...], str]]:
    """Extract the current source's messages: (msgid, context) -> (forms, where)."""
    with BABEL_CFG.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(BABEL_CFG))
    found: dict[tuple[str, str | None], tuple[tuple[str, ...], str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=KEYWORDS,
        directory_filter=lambda path: not IGNORED_DIRS.match(os.path.basename(path)),
    ):
        forms = _as_tuple(message)
        found.setdefault((forms[0], context), (forms, f"{filename}:{lineno}"))
    return found


def _placeholders(text: str) -> list[str]:
    """Return the python-format placeholders of a string, e.g. ['%(name)s']."""
    return sorted(
        m.group(0) for m in PYTHON_FORMAT.finditer(text) if m.group(0) != "%%"
    )


@pytest.fixture(scope="module")
def source_messages():
    messages = _source_messages()
    assert len(messages) > 100, "extraction found almost nothing: check babel.cfg"
    return messages


@pytest.fixture(scope="module")
def fi_catalog() -> Catalog:
    return _read_po("fi")


def test_extraction_reads_python_templates_and_macros(source_messages):
    # Sources of each kind, including the underscore folder babel skips by default.
    assert ("Please sign in to continue.", None) in source_messages  # python, _l
    assert ("Sign in", None) in source_messages  # template
    assert ("Please correct the marked fields.", None) in source_messages  # _macros
    assert source_messages[("%(num)d touchpoint", None)][0] == (
        "%(num)d touchpoint",
        "%(num)d touchpoints",
    )


def test_every_ui_string_has_a_finnish_translation(source_messages, fi_catalog):
    missing = []
    for (msgid, context), (forms, where) in sorted(source_messages.items()):
        entry = fi_catalog.get(msgid, context=context)
        strings = _as_tuple(entry.string) if entry else ()
        if (
            entry is None
            or entry.fuzzy
            or not strings
            or not all(s.strip() for s in strings)
            or (len(forms) > 1 and len(strings) != fi_catalog.num_plurals)
        ):
            label = msgid if context is None else f"{context}|{msgid}"
            missing.append(f"{label!r}  ({where})")

    assert not missing, (
        f"{len(missing)} UI string(s) lack a Finnish translation in "
        f"{_po_path('fi').relative_to(ROOT)}; update the catalogues as README.md in "
        "auditapp/translations says:\n  " + "\n  ".join(missing)
    )


def test_finnish_plural_rule_is_the_finnish_one(fi_catalog):
    assert fi_catalog.num_plurals == 2
    assert fi_catalog.plural_expr.replace(" ", "") == "(n!=1)"


def test_finnish_translations_keep_the_placeholders(fi_catalog):
    broken = []
    for message in fi_catalog:
        if not message.id or not message.string:
            continue
        ids, strings = _as_tuple(message.id), _as_tuple(message.string)
        for index, translated in enumerate(strings):
            if not translated:
                continue
            source = ids[min(index, len(ids) - 1)]
            if _placeholders(translated) != _placeholders(source):
                broken.append(f"{source!r} -> {translated!r}")

    assert not broken, "placeholders differ from the msgid:\n  " + "\n  ".join(broken)


def _mo_contents(catalog: Catalog) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Return msgid forms -> translated forms, as gettext would see them."""
    return {
        _as_tuple(message.id): _as_tuple(message.string)
        for message in catalog
        if message.id and message.string
    }


@pytest.mark.parametrize("locale", ["fi", "en"])
def test_compiled_catalogue_matches_the_po_file(locale):
    compiled = io.BytesIO()
    write_mo(compiled, _read_po(locale))  # what `pybabel compile` would write
    compiled.seek(0)
    expected = read_mo(compiled)
    with _po_path(locale).with_suffix(".mo").open("rb") as fh:
        shipped = read_mo(fh)

    want, have = _mo_contents(expected), _mo_contents(shipped)
    stale = {key for key in want.keys() | have.keys() if want.get(key) != have.get(key)}
    assert not stale, (
        f"{locale}/LC_MESSAGES/messages.mo is out of date; run "
        "`pybabel compile -d auditapp/translations`. Differs:\n  "
        + "\n  ".join(sorted(" / ".join(key) for key in stale))
    )
    assert shipped.plural_forms == expected.plural_forms


def test_login_page_speaks_finnish_and_english(client):
    finnish = client.get("/login", headers={"Accept-Language": "fi"})
    english = client.get("/login", headers={"Accept-Language": "en"})

    assert finnish.status_code == english.status_code == 200
    fi_page = finnish.get_data(as_text=True)
    en_page = english.get_data(as_text=True)
    assert "<h1>Kirjaudu sisään</h1>" in fi_page
    assert "Sign in" not in fi_page
    assert "<h1>Sign in</h1>" in en_page
    assert "Kirjaudu sisään" not in en_page
