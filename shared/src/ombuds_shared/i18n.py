"""The languages visitors and parties read: one mechanism for every service.

What a visitor or a mediation party reads from the system (the informality notice,
problem titles, decline reasons, survey questions) is written in English in the code,
marked with `N_()`, and translated through gettext catalogues in `locale/`:
`<lang>/LC_MESSAGES/ombuds.po`, compiled in memory when first needed (so a plain
`uv sync` is enough; no `.mo` file to forget). The language of a request is negotiated
from its `Accept-Language` header (q-values honoured, English as fallback) by
`LanguageMiddleware`, which also says `Content-Language` on the answer.

Identities and stored content (names, notes, messages) are never translated: only
the texts marked in the code are. See docs/languages.md for reviewing a catalogue and
adding a message; `python -m ombuds_shared.i18n check|update` keeps them in step.
"""

from __future__ import annotations

import contextvars
import functools
import io
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations
from starlette.types import Message, Receive, Scope, Send

from ombuds_shared.asgi import HttpMiddleware

__all__ = [
    "N_",
    "Direction",
    "LanguageMiddleware",
    "current_language",
    "direction",
    "translate",
]

DEFAULT_LANGUAGE = "en"
# The organization's six official languages; English is the code's own.
LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
DOMAIN = "ombuds"
LOCALE_DIR = Path(__file__).parent / "locale"
# The marker the extractor looks for (and nothing else, so that a stray `_` is not taken).
EXTRACT_KEYWORDS = {"N_": None}

Direction = Literal["ltr", "rtl"]

_current_language: contextvars.ContextVar[str] = contextvars.ContextVar(
    "ombuds_language", default=DEFAULT_LANGUAGE
)


def N_(message: str) -> str:  # the gettext convention's name, which extractors look for
    """Marks a message for translation; it stays English until `translate` reads it."""
    return message


def current_language() -> str:
    """The language negotiated for the request being served."""
    return _current_language.get()


def translate(message: str, language: str | None = None) -> str:
    """The message in the request's (or the given) language; English when untranslated."""
    language = language or _current_language.get()
    if language == DEFAULT_LANGUAGE:
        return message
    return _translations(language).gettext(message)


def direction(language: str) -> Direction:
    """Which way the language is written, for the page that shows it."""
    return "rtl" if Locale.parse(language).character_order == "right-to-left" else "ltr"


@functools.lru_cache(maxsize=1024)
def negotiate(accept_language: str | None) -> str:
    """The best of LANGUAGES for an Accept-Language header (RFC 9110 §12.5.4), or English.

    Ranges are tried by decreasing q (ties keep the sender's order; q=0 excludes);
    Babel's `Locale.negotiate` then matches `fr-CH` to `fr` and the like."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        tag = tag.strip()
        if tag and tag != "*" and 0 < quality <= 1:
            ranked.append((-quality, position, tag))
    preferred = [tag for _, _, tag in sorted(ranked)]
    try:
        chosen = Locale.negotiate(preferred, LANGUAGES, sep="-")
    except (ValueError, TypeError):
        chosen = None  # a malformed tag is the sender's problem, not a 500
    return chosen.language if chosen is not None else DEFAULT_LANGUAGE


@functools.cache
def _translations(language: str) -> Translations:
    """The language's catalogue, compiled in memory from its committed .po source."""
    source = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with source.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


class LanguageMiddleware(HttpMiddleware):
    """Negotiates the request's language and says it (`Content-Language`, `Vary`)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        accept = next((v for k, v in scope["headers"] if k == b"accept-language"), None)
        language = negotiate(accept.decode("latin-1") if accept else None)
        said = [(b"content-language", language.encode()), (b"vary", b"Accept-Language")]

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *said]
            await send(message)

        reset = _current_language.set(language)
        try:
            await self.app(scope, receive, send_with_language)
        finally:
            _current_language.reset(reset)


# Keeping the catalogues in step with the code (the test suite checks; offices run it).


def extract_messages(source_dirs: Iterable[Path]) -> dict[str, list[str]]:
    """Every message marked with N_() under these folders, with where it is used."""
    found: dict[str, list[str]] = {}
    for folder in source_dirs:
        extracted = extract_from_dir(
            folder, method_map=[("**.py", "python")], keywords=EXTRACT_KEYWORDS
        )
        for filename, lineno, message, _comments, _context in extracted:
            if isinstance(message, str) and message:
                found.setdefault(message, []).append(f"{folder.as_posix()}/{filename}:{lineno}")
    return found


def read_catalogue(language: str) -> Catalog:
    """A language's committed catalogue."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def missing_messages(language: str, messages: Iterable[str]) -> list[str]:
    """The messages the language's catalogue does not translate."""
    catalog = read_catalogue(language)
    missing = []
    for message in messages:
        entry = catalog.get(message)
        if entry is None or not entry.string:
            missing.append(message)
    return missing


def _source_dirs(root: Path) -> list[Path]:
    return [root / "shared" / "src", *sorted((root / "services").glob("*/src"))]


def _update(root: Path) -> None:
    """Writes the template from the code and adds new messages (untranslated) to each
    catalogue; messages the code no longer has become obsolete (kept, commented)."""
    template = Catalog(project="Ombuds", domain=DOMAIN)
    for message, places in sorted(extract_messages(_source_dirs(root)).items()):
        locations = [(place.rsplit(":", 1)[0], int(place.rsplit(":", 1)[1])) for place in places]
        template.add(message, locations=locations)
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("wb") as pot:
        write_po(pot, template, omit_header=False, sort_output=True)
    for language in LANGUAGES[1:]:
        path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        # The header (comments and the review status) is the office's: kept as written.
        header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
        catalog = read_catalogue(language)
        catalog.update(template, no_fuzzy_matching=True)
        buffer = io.BytesIO()
        write_po(buffer, catalog, omit_header=True, sort_output=True, include_previous=False)
        path.write_text(header + "\n\n" + buffer.getvalue().decode("utf-8"), encoding="utf-8")


def main(argv: list[str]) -> int:
    """`check`: list untranslated messages (exit 1 if any); `update`: sync catalogues."""
    root = Path()  # the repository root: locations in the catalogues are relative to it
    if argv[:1] == ["update"]:
        _update(root)
        print(f"updated {LOCALE_DIR / f'{DOMAIN}.pot'} and {len(LANGUAGES) - 1} catalogues")
        return 0
    if argv[:1] != ["check"]:
        print("usage: python -m ombuds_shared.i18n check|update (from the repository root)")
        return 2
    messages = extract_messages(_source_dirs(root))
    gaps = {language: missing_messages(language, messages) for language in LANGUAGES[1:]}
    for language, missing in gaps.items():
        for message in missing:
            print(f"{language}: untranslated: {message!r} ({', '.join(messages[message])})")
    print(f"{len(messages)} messages, {sum(map(len, gaps.values()))} untranslated")
    return 1 if any(gaps.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
