"""Text columns of the SPSS export in little memory: a small code per row into the column's texts.

pyreadstat writes a .sav from a whole table, reading it row by row; a text column in any of pandas' own types holds a
Python object per row (8 bytes a row before the texts themselves: 56 MB for seven text columns of a million
responses). :class:`SavTexts` holds a code per row instead, in the smallest integer type that holds the codes (one
byte for a unit or a language), and each distinct text once: a column of few distinct texts as Python strings, a
free-text column (comments, invitation references) as UTF-8 in one buffer, its empty text and its short repeated
answers held once (:data:`FREE_TEXTS_LOOKED_UP`). It is iterated a chunk of rows at a time (:data:`CHUNK_ROWS`), as
pyreadstat reads it, so no Python object per row exists at once.

Every cell is a text: the column holds the cells as the .sav file has them (SPSS has no missing text: an empty one),
so nothing is missing. pyreadstat sees a type it does not know and writes each cell's ``str()``, the text itself: the
same variable and the same bytes as from a column of Python strings.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, chain, islice
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray, ExtensionDtype, take

#: rows decoded at a time while a column is iterated
CHUNK_ROWS = 1 << 14
#: a free-text column's texts looked up for an equal one read before: the first so many distinct ones, each at most so
#: many characters. Short answers repeat ("无", "good", "no comment") and are then held once; a long one seldom does,
#: and looking up every text would hold each in a dict
FREE_TEXTS_LOOKED_UP, FREE_TEXT_LOOKED_UP_LENGTH = 4096, 64
#: the integer types a column's codes take, smallest first (each holds the codes of the next size up to its maximum)
CODE_TYPES = (np.int8, np.int16, np.int32, np.int64)


class SavTextsDtype(ExtensionDtype):
    """The type of :class:`SavTexts`."""

    name = "sav_texts"
    type = str

    @classmethod
    def construct_array_type(cls) -> type[SavTexts]:
        """The array of this type."""
        return SavTexts


class SavTexts(ExtensionArray):
    """A text column: row ``i`` is text ``codes[i]``, from ``texts`` or else from ``blob`` (UTF-8, text ``j`` at
    ``blob[offsets[j]:offsets[j + 1]]``); text 0 is the empty text."""

    dtype = SavTextsDtype()

    def __init__(self, codes: np.ndarray, texts: Sequence[str] | None = None, offsets: np.ndarray | None = None,
                 blob: bytes | bytearray = b"") -> None:
        self._codes = codes
        self._texts = texts
        self._offsets = offsets
        self._blob = blob

    @classmethod
    def of(cls, texts: Iterable[str]) -> SavTexts:
        """The column of ``texts`` (each a Python string), its distinct texts as Python strings."""
        builder = TextCodes(free=False)
        codes = builder.codes(list(texts), str)
        return builder.column(np.asarray(codes, dtype=builder.code_type))

    def __len__(self) -> int:
        return len(self._codes)

    def _decoded(self, codes: np.ndarray) -> list[str]:
        """The texts of ``codes``."""
        if self._texts is not None:
            return list(map(self._texts.__getitem__, codes.tolist()))
        blob = memoryview(self._blob)
        starts, ends = self._offsets[:-1][codes].tolist(), self._offsets[1:][codes].tolist()
        return [str(blob[start:end], "utf-8") for start, end in zip(starts, ends, strict=True)]

    def __iter__(self) -> Iterator[str]:
        codes = self._codes
        return chain.from_iterable(map(self._decoded, (codes[start:start + CHUNK_ROWS]
                                                       for start in range(0, len(codes), CHUNK_ROWS))))

    def __getitem__(self, item: Any) -> Any:
        if pd.api.types.is_integer(item):
            return self._decoded(np.atleast_1d(self._codes[item]))[0]
        if not isinstance(item, slice):
            item = pd.api.indexers.check_array_indexer(self, item)
        return self._with(self._codes[item])

    def _with(self, codes: np.ndarray) -> SavTexts:
        return SavTexts(codes, self._texts, self._offsets, self._blob)

    def longest(self) -> int:
        """The length (in characters) of the column's longest cell; 0 without a row."""
        used = np.zeros(len(self._texts) if self._texts is not None else len(self._offsets) - 1, dtype=bool)
        for start in range(0, len(self._codes), CHUNK_ROWS):
            used[self._codes[start:start + CHUNK_ROWS]] = True
        return max((max(map(len, self._decoded(np.flatnonzero(used[start:start + CHUNK_ROWS]) + start)), default=0)
                    for start in range(0, len(used), CHUNK_ROWS)), default=0)

    def isna(self) -> np.ndarray:
        return np.zeros(len(self), dtype=bool)

    def take(self, indices: Sequence[int], *, allow_fill: bool = False, fill_value: Any = None) -> SavTexts:
        """Rows by position; with ``allow_fill``, -1 is an empty text (a missing one)."""
        return self._with(take(self._codes, indices, allow_fill=allow_fill, fill_value=0))

    def copy(self) -> SavTexts:
        return self._with(self._codes.copy())  # the texts are never changed: shared

    @property
    def nbytes(self) -> int:
        if self._texts is not None:
            return self._codes.nbytes + sum(map(sys.getsizeof, self._texts))
        return self._codes.nbytes + self._offsets.nbytes + len(self._blob)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        cells = np.empty(len(self), dtype=object)
        cells[:] = list(self)
        return cells if dtype is None else cells.astype(dtype)

    def __eq__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return np.asarray(self) == (np.asarray(other, dtype=object) if isinstance(other, SavTexts) else other)

    @classmethod
    def _from_sequence(cls, scalars: Iterable[Any], *, dtype: Any = None, copy: bool = False) -> SavTexts:
        return cls.of(value if isinstance(value, str) else "" if pd.api.types.is_scalar(value) and pd.isna(value)
                      else str(value) for value in scalars)

    @classmethod
    def _concat_same_type(cls, to_concat: Sequence[SavTexts]) -> SavTexts:
        return cls.of(chain.from_iterable(to_concat))


class TextCodes:
    """A :class:`SavTexts` column made as its cells are read, a batch at a time: :meth:`codes` gives a batch's codes,
    :meth:`column` the column of all of them. A column of few distinct texts keeps each once as a Python string
    (``free=False``); a free-text column each non-empty text as UTF-8, appended to one buffer, and an equal text found
    only among the first short ones (:data:`FREE_TEXTS_LOOKED_UP`)."""

    def __init__(self, *, free: bool) -> None:
        self.free = free
        self.size = 1  # texts so far, the empty text 0 included
        self._texts = [""]
        self._index = {"": 0}  # text -> code (free=True: the texts looked up)
        self._known: dict[str | None, int] = {None: 0}  # a cell read before -> its code (free=False)
        self._offsets = array("q", [0, 0])  # free=True
        self._blob = bytearray()

    @property
    def code_type(self) -> type[np.integer]:
        """The smallest integer type that holds the codes so far."""
        return next(kind for kind in CODE_TYPES if self.size - 1 <= np.iinfo(kind).max)

    def codes(self, cells: Sequence[Any], text: Callable[[Any], str]) -> list[int]:
        """The codes of a batch's ``cells``, each cell as ``text`` makes it."""
        if self.free:
            return self._free_codes(list(map(text, cells)))
        known = self._known
        # a text cell (or None) seen before by its own value; any other cell made a text first: 1, 1.0 and True are
        # equal keys of a dict, and three texts
        return [known[cell] if (cell is None or cell.__class__ is str) and cell in known else self._code(cell, text)
                for cell in cells]

    def _free_codes(self, texts: list[str]) -> list[int]:
        """The codes of a free-text column's batch of ``texts``, each new one appended to the buffer."""
        index, encoded = self._index, []
        codes = [0] * len(texts)
        for row, made in enumerate(texts):
            if made in index:
                codes[row] = index[made]
                continue
            codes[row] = self.size
            if len(index) <= FREE_TEXTS_LOOKED_UP and len(made) <= FREE_TEXT_LOOKED_UP_LENGTH:
                index[made] = self.size
            encoded.append(made.encode())
            self.size += 1
        self._offsets.extend(islice(accumulate(map(len, encoded), initial=self._offsets[-1]), 1, None))
        self._blob += b"".join(encoded)
        return codes

    def _code(self, cell: Any, text: Callable[[Any], str]) -> int:
        made = text(cell)
        code = self._index.setdefault(made, self.size)
        if code == self.size:
            self._texts.append(made)
            self.size += 1
        if cell is None or cell.__class__ is str:
            self._known[cell] = code
        return code

    def column(self, codes: np.ndarray) -> SavTexts:
        """The column of ``codes`` (every row's, from :meth:`codes`)."""
        if self.free:
            return SavTexts(codes, offsets=np.frombuffer(self._offsets, dtype=np.int64), blob=self._blob)
        return SavTexts(codes, self._texts)
