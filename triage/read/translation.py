"""Translations, regions and interface words: the files that change what a rule set says, never what it decides.

A translation sits beside its rule file as `<rule file>.<lang>.yaml` and holds, for each text key
(core.locale), the English it was made from and the translation. Keeping the source text makes a
translation go stale visibly: when the rule file's text changes, the pair no longer matches, and the
English is shown until a translator catches up. A region file names the services of one health
system. Both are read here and applied to a loaded rule set by `localise`.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..core.errors import InputFileError, Location, Problem
from ..core.locale import TERMS, fill, rewrite, terms_in, texts
from ..core.model import RuleSet
from .filekinds import load_document
from .files import shipped_rules_dir
from .yamlsafe import NodeReader

SOURCE_LANGUAGE = "en"
DEFAULT_REGION = "uk"
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Z]{2})?")


@dataclass(frozen=True)
class Entry:
    source: str  # the English this was translated from
    text: str
    line: int  # of the key in the translation file
    source_line: int


@dataclass(frozen=True)
class Marker:
    """A qualifier a red-flag question must keep ("since the pain began"): the English, and the words
    any of which its translation must hold."""

    source: str
    translations: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Translation:
    path: str
    of: str  # the rule set id
    language: str
    name: str  # the language in its own words: "Español"
    reviewed: bool
    notice: str  # said once in every result while not reviewed
    contractions: Mapping[str, str]
    markers: tuple[Marker, ...]
    entries: Mapping[str, Entry]


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    terms: Mapping[str, Mapping[str, str]]  # term -> language -> words

    def words(self, language: str) -> dict[str, str]:
        return {t: names.get(language) or names[SOURCE_LANGUAGE] for t, names in self.terms.items()}


def same(a: str, b: str) -> bool:
    """Texts compared as a reader sees them: line breaks and runs of spaces do not count."""
    return a.split() == b.split()


def translation_path(rule_path: str | Path, language: str) -> Path:
    path = Path(rule_path)
    return path.with_name(f"{path.stem}.{language}.yaml")


def language_of(rule_path: str | Path, translation: str | Path) -> str:
    """The language code in a translation's file name: `rules.es.yaml` beside `rules.yaml` is 'es'."""
    return Path(translation).name[len(Path(rule_path).stem) + 1:-len(".yaml")]


def translations_beside(rule_path: str | Path) -> list[Path]:
    """Every `<stem>.<lang>.yaml` next to a rule file, in language order."""
    path = Path(rule_path)
    if not path.parent.is_dir():
        return []
    return [p for p in sorted(path.parent.glob(f"{path.stem}.*.yaml")) if LANGUAGE_CODE.fullmatch(language_of(path, p))]


def languages(rules: RuleSet) -> list[str]:
    """The languages a rule set can be shown in: English, then each translation beside it."""
    return [SOURCE_LANGUAGE, *(language_of(rules.path, p) for p in translations_beside(rules.path))]


def load_translation(path: str | Path) -> Translation:
    reader, node = load_document(path, "translation")
    name = str(path)
    top = reader.mapping(node, "the translation file", ("translation_of", "language", "name", "reviewed", "texts"),
                         ("notice", "contractions", "markers")) if node is not None else None
    if top is None:
        reader.raise_if_errors()
        raise InputFileError(f"{name}: the file is empty; a translation starts with 'translation_of:'")

    def text(key: str) -> str:
        return reader.text(top[key][1], f"'{key}'") or "" if key in top else ""

    reviewed = reader.flag(top["reviewed"][1], "'reviewed'") if "reviewed" in top else False
    language = text("language")
    if language and not LANGUAGE_CODE.fullmatch(language):
        reader.error(top["language"][1], f"'{language}' is not a language code such as es or pt-BR")
    if not reviewed and "notice" not in top and "reviewed" in top:
        reader.error(top["reviewed"][1], "a translation not yet reviewed needs a 'notice:' that every result shows")
    contractions = _pairs(reader, top["contractions"][1]) if "contractions" in top else {}
    markers = tuple(_markers(reader, top["markers"][1])) if "markers" in top else ()
    entries = _entries(reader, top["texts"][1]) if "texts" in top else {}
    reader.raise_if_errors()
    return Translation(name, text("translation_of"), language, text("name"), bool(reviewed), text("notice"),
                       contractions, markers, entries)


def _pairs(reader: NodeReader, node: Node) -> dict[str, str]:
    fields = reader.mapping(node, "'contractions'", optional=None) or {}
    return {k: str(reader.scalar(v)) for k, (_, v) in fields.items()}


def _markers(reader: NodeReader, node: Node) -> list[Marker]:
    out = []
    for item in reader.sequence(node, "'markers'"):
        fields = reader.mapping(item, "a marker", ("source", "translation"))
        if fields and len(fields) == 2:
            source = reader.text(fields["source"][1], "a marker's 'source'") or ""
            words = reader.texts(fields["translation"][1], "a marker's 'translation'")
            out.append(Marker(source, tuple(words), item.start_mark.line + 1))
    return out


def _entries(reader: NodeReader, node: Node) -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for key, (key_node, value) in (reader.mapping(node, "'texts'", optional=None) or {}).items():
        fields = reader.mapping(value, f"the text '{key}'", ("source", "text"))
        if fields and len(fields) == 2:
            source = reader.text(fields["source"][1], f"'{key}' source") or ""
            translated = reader.text(fields["text"][1], f"'{key}' text") or ""
            out[key] = Entry(source, translated, key_node.start_mark.line + 1, fields["source"][1].start_mark.line + 1)
    return out


def find_translation(rules: RuleSet, language: str) -> Translation:
    path = translation_path(rules.path, language)
    if not path.is_file():
        have = ", ".join(languages(rules))
        raise InputFileError(f"rule set '{rules.id}' has no translation into '{language}' (looked for {path}); "
                             f"languages: {have}")
    return load_translation(path)


def regions_dir() -> Path | None:
    shipped = shipped_rules_dir()
    return None if shipped is None else shipped / "regions"


def region_names() -> list[str]:
    where = regions_dir()
    return sorted(p.stem for p in where.glob("*.yaml")) if where is not None and where.is_dir() else []


def load_region(region: str | Path | None = None) -> Region:
    """A region by its shipped name ("uk", "generic") or a region file's path."""
    where = regions_dir()
    choice = str(region or DEFAULT_REGION)
    if choice in region_names() and where is not None:
        path = str(where / f"{choice}.yaml")
    elif choice.endswith((".yaml", ".yml")):
        path = choice
    else:
        raise InputFileError(f"no region '{choice}'; regions: {', '.join(region_names())}, or a region file's path")
    try:
        stat = Path(path).stat()
    except OSError:
        return _read_region(path, 0, -1)  # read_text says what is wrong with it
    return _read_region(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _read_region(path: str, mtime_ns: int, size: int) -> Region:
    """Read once per version of the file: every rule set loaded fills its terms (the test suite parses
    thousands), and a file edited since is read again."""
    reader, node = load_document(path, "region")
    top = reader.mapping(node, "the region file", ("region", "name", "terms")) if node is not None else None
    reader.raise_if_errors()
    if top is None:
        raise InputFileError(f"{path}: the file is empty; a region file starts with 'region:'")
    terms: dict[str, dict[str, str]] = {}
    for term, (_, value) in (reader.mapping(top["terms"][1], "'terms'", (), TERMS) or {}).items():
        names = reader.mapping(value, f"the term '{term}'", (SOURCE_LANGUAGE,), None) or {}
        terms[term] = {lang: reader.text(v, f"'{term}' in '{lang}'") or "" for lang, (_, v) in names.items()}
    for term in TERMS:
        if term not in terms:
            reader.error(top["terms"][1], f"'terms' is missing '{term}:' (every region names all of {', '.join(TERMS)})")
    reader.raise_if_errors()
    return Region(reader.text(top["region"][1], "'region'") or "", reader.text(top["name"][1], "'name'") or "", terms)


def localise(rules: RuleSet, language: str | None = None, region: str | Path | Region | None = None,
             translation: Translation | None = None) -> RuleSet:
    """The rule set as a person in that language and health system reads it (`translation`: that
    language's file, when the caller has read it already). Texts with no translation, or whose
    translation is stale, stay in English: a person reads what the rule author wrote now."""
    language = language or SOURCE_LANGUAGE
    place = region if isinstance(region, Region) else load_region(region)
    if translation is None and language != SOURCE_LANGUAGE:
        translation = find_translation(rules, language)
    english = place.words(SOURCE_LANGUAGE)
    # mutant: region-language
    names = place.words(language)

    def change(key: str, text: str) -> str:
        entry = translation.entries.get(key) if translation is not None else None
        # mutant: stale-translation
        if entry is None or not same(entry.source, text):
            return fill(text, english)
        out = fill(entry.text, names)
        for joined, contracted in translation.contractions.items():  # type: ignore[union-attr]
            out = out.replace(joined, contracted)
        return out

    localised = rewrite(rules, change)
    notice = translation.notice if translation is not None and not translation.reviewed else ""
    return dataclasses.replace(localised, language=language, notice=notice, region=place.id)


def every_language(source: RuleSet, region: str | Path | None = None) -> dict[str, tuple[str, RuleSet]]:
    """A rule file as written (load_source), in English and in each translation beside it: code -> the
    language's name in itself, the rule set. For the exports and the playground, which carry them all;
    each file is read once."""
    place = load_region(region)
    out = {SOURCE_LANGUAGE: ("English", localise(source, None, place))}
    for code in languages(source)[1:]:
        translation = find_translation(source, code)
        out[code] = (translation.name or code, localise(source, code, place, translation))
    return out


@functools.lru_cache(maxsize=8)
def interface_words(language: str) -> Mapping[str, str]:
    """The interface's words in a language (triage/locale/<lang>.yaml); {} for English or none shipped.
    Package data, read once per process: a form export asks for them for every answer of every question."""
    import importlib.resources

    if language == SOURCE_LANGUAGE:
        return {}
    path = Path(str(importlib.resources.files("triage"))) / "locale" / f"{language}.yaml"
    if not path.is_file():
        return {}
    reader, node = load_document(path, "answers")
    fields = reader.mapping(node, "the interface words", optional=None) if node is not None else None
    reader.raise_if_errors()
    return {k: str(reader.scalar(v)) for k, (_, v) in (fields or {}).items()}


# --- checking a translation against its rule file (`triage check`) --------------------------------


def text_lines(rule_path: str | Path) -> dict[str, int]:
    """key -> line of that text in the rule file, so a missing translation is named where its English is."""
    reader, node = load_document(rule_path, "rule")
    lines: dict[str, int] = {}
    if not isinstance(node, MappingNode):
        return lines
    top = {k.value: v for k, v in node.value if isinstance(k, ScalarNode)}
    for key in ("title", "disclaimer"):
        if key in top:
            lines[key] = top[key].start_mark.line + 1
    for group in ("dispositions", "questions", "rules"):
        items = top.get(group)
        for item in items.value if isinstance(items, SequenceNode) else []:
            if isinstance(item, MappingNode):
                _item_lines(group, item, lines)
    return lines


def _item_lines(group: str, item: MappingNode, lines: dict[str, int]) -> None:
    fields = {k.value: v for k, v in item.value if isinstance(k, ScalarNode)}
    ident = fields.get("id")
    if not isinstance(ident, ScalarNode):
        return
    for name, value in fields.items():
        base = f"{group}.{ident.value}.{name}"
        if isinstance(value, ScalarNode):
            lines[base] = value.start_mark.line + 1
        elif isinstance(value, SequenceNode):
            for i, part in enumerate(value.value):
                lines[f"{base}.{i}"] = part.start_mark.line + 1


def translation_problems(rules: RuleSet, translation: Translation) -> list[Problem]:
    """What a translator must do: texts missing, extra keys, stale pairs, lost terms and qualifiers."""
    source = texts(rules)
    where = text_lines(rules.path)
    here = translation.path
    found: list[Problem] = []

    def warn(file: str, line: int | None, message: str) -> None:
        found.append(Problem(Location(file, line), message, "warning"))

    if translation.of != rules.id:
        warn(here, 1, f"translates rule set '{translation.of}', but this rule file is '{rules.id}'")
    named = language_of(rules.path, here)
    if translation.language != named:
        warn(here, 1, f"says 'language: {translation.language}', but its name makes it the '{named}' translation; "
                      "make them agree (--lang chooses by the name)")
    for key, text in source.items():
        entry = translation.entries.get(key)
        if entry is None:
            warn(rules.path, where.get(key), f"no {translation.language} translation of {key} (add it to {here})")
        elif not same(entry.source, text):
            warn(here, entry.source_line, f"stale: {key} changed in the rule file since it was translated "
                                          "(update 'source' and 'text'; until then the English is shown)")
        # mutant: lost-terms
        elif sorted(terms_in(entry.text)) != sorted(terms_in(text)):
            warn(here, entry.line, f"{key} must keep the service names {{...}} of its source: {', '.join(terms_in(text)) or 'none'}")
    for key, entry in translation.entries.items():
        if key not in source:
            warn(here, entry.line, f"{key} is not a text of rule set '{rules.id}' (left over, or misspelt?)")
    found.extend(_lost_markers(rules, translation))
    return found


def _lost_markers(rules: RuleSet, translation: Translation) -> list[Problem]:
    out = []
    for marker in translation.markers:
        for q in rules.questions:
            entry = translation.entries.get(f"questions.{q.id}.text")
            if entry is None or marker.source.lower() not in q.text.lower():
                continue
            if not any(word.lower() in entry.text.lower() for word in marker.translations):
                out.append(Problem(Location(translation.path, entry.line),
                                   f"questions.{q.id}.text lost the qualifier '{marker.source}': "
                                   f"its translation holds none of {', '.join(marker.translations)}", "warning"))
    return out
