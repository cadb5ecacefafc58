"""Refusals a person reads in their own language: an English message key and the values that fill it.

A service raises :class:`TranslatableError` with a key - an English template with ``%(name)s`` placeholders,
marked with :func:`N_` so that ``pybabel extract`` finds it - and its values. ``str()`` of the error is the
English sentence, so the command line, the logs and the JSON API (which is for programs) read English as
before; the console renders the same error in the reader's language (``survey_app.admin.messages``).

A value is printed as it is (numbers, and what the user typed or uploaded, such as a unit code), or is one of the
parts below: :class:`Quoted` (the user's own text in quotation marks), :class:`Term` (a word of the app's own
vocabulary - a column of an upload, a unit kind, a role - translated like any message), :class:`Listing` (several
values) and :class:`Localized` (a text the data holds in each language, such as a module's title).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

#: a catalogue's gettext: the message in the reader's language (the message itself when there is none)
Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Mark ``message`` for extraction (``pybabel extract`` knows ``N_``) without translating it here."""
    return message


#: how a quoted value reads, in each language (English: the Python repr the messages always used)
QUOTED = N_("'%(value)s'")
#: what separates the values of a listing
SEPARATOR = N_(", ")


@dataclass(frozen=True)
class Quoted:
    """The user's own text (a unit code, a slug, a column of their file), shown in quotation marks."""

    value: str

    def english(self) -> str:
        return repr(self.value)

    def shown(self, gettext: Gettext, lang: str) -> str:
        return gettext(QUOTED) % {"value": self.value}


@dataclass(frozen=True)
class Term:
    """A word of the app's vocabulary; ``word`` is also its message key (marked with :func:`N_` where the
    vocabulary is defined), so the console shows its translation."""

    word: str
    quoted: bool = False

    def english(self) -> str:
        return repr(self.word) if self.quoted else self.word

    def shown(self, gettext: Gettext, lang: str) -> str:
        word = gettext(self.word)
        return gettext(QUOTED) % {"value": word} if self.quoted else word


@dataclass(frozen=True)
class Localized:
    """A text the data holds in each language (a module's title); ``fallback`` where it has none, and in
    ``str()`` of the error (an identifier the command line knows)."""

    texts: Mapping[str, str]
    fallback: str
    quoted: bool = False

    def english(self) -> str:
        return repr(self.fallback) if self.quoted else self.fallback

    def shown(self, gettext: Gettext, lang: str) -> str:
        text = self.texts.get(lang) or self.fallback
        return gettext(QUOTED) % {"value": text} if self.quoted else text


@dataclass(frozen=True)
class Listing:
    """Several values, separated as the language separates them."""

    values: tuple[Value, ...]

    @classmethod
    def of(cls, values: Iterable[Value]) -> Listing:
        return cls(tuple(values))

    def english(self) -> str:
        return ", ".join(english(value) for value in self.values)

    def shown(self, gettext: Gettext, lang: str) -> str:
        return gettext(SEPARATOR).join(shown(value, gettext, lang) for value in self.values)


#: what fills a placeholder
Value = str | int | float | Quoted | Term | Localized | Listing


def english(value: Value) -> str:
    """``value`` as the English message prints it."""
    return value.english() if isinstance(value, Quoted | Term | Localized | Listing) else str(value)


def shown(value: Value, gettext: Gettext, lang: str) -> str:
    """``value`` in the reader's language."""
    return value.shown(gettext, lang) if isinstance(value, Quoted | Term | Localized | Listing) else str(value)


class TranslatableError(ValueError):
    """A refusal the user can act on, as a message key (an English template marked with :func:`N_`) and the
    values of its placeholders; ``str()`` is the English sentence, :meth:`render` the sentence in any language."""

    def __init__(self, key: str, /, **values: Value) -> None:
        super().__init__(key, values)
        self.key = key
        self.values = values

    def __str__(self) -> str:
        return self.key % {name: english(value) for name, value in self.values.items()}

    def render(self, gettext: Gettext, lang: str) -> str:
        """The message in the language of ``gettext`` (a catalogue's gettext, ``lang`` its language code)."""
        return gettext(self.key) % {name: shown(value, gettext, lang) for name, value in self.values.items()}
