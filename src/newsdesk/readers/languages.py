"""An article's language: what its page or feed declares, else what py3langid reads in it.

Order (as Media Cloud's ``mcmetadata``): declared metadata first -- a JSONL/CSV
``lang`` column, ``<html lang>``, ``Content-Language``, ``dc.language``,
``og:locale``, RSS ``<language>``, Atom ``xml:lang`` (the readers put it in
``Record.lang``) -- normalised to ISO 639-1 (``en-US`` -> ``en``, ``eng`` -> ``en``,
``zh-Hans`` -> ``zh``). Only when nothing usable is declared is the text read, by
py3langid (its model ships in the wheel; loaded once, on first use), on the
headline and the lead only (``DETECT_CHARS``): the cost per article stays a fraction
of a millisecond and the lead says as much about the language as the rest.

Text that is too short, or that the model is not sure about (mixed languages,
tables of figures, lists of names), gets ``und`` rather than a guess: an ``und``
article is analysed like English, as every article was before languages were told
apart, so a wrong guess can only cost what a right one would have gained.
"""

from __future__ import annotations

import importlib.metadata
import math
import os
import shutil
import threading
import unicodedata
from pathlib import Path
from typing import Any

from ..index.languages import CJK_CHAR, UNDETERMINED, lang_code

# Chosen on the dev split of tests/data/languages (NTREX, 12 languages; see the issue-15 report)
# and on Reuters-21578 (English only: no article may leave English): at 600 characters of headline
# + lead and 0.8, every NTREX dev article is right and no Reuters article is taken for another
# language (at 300 characters two are called French: "Groupement pour le financement ...")
DETECT_CHARS = 600
MIN_LETTERS = 16  # fewer letters than this (a CJK character counts 3): und
MIN_CONFIDENCE = 0.80  # normalised probability of the best language; below: und (no wrong dev headline)
# English wire copy is most of many desks: an all-ASCII lead this dense in English function words
# is English without asking the model (about 0.02 ms instead of 0.5). Measured: taken by 68% of
# Reuters articles and 109 of the 123 English NTREX articles, by no NTREX article (headline or
# lead) in the 11 other languages.
_EN_TEXT = """the of and to in a is that for on said with was as by at it from has he be its his an are
    have were will but not this which they after who"""
_EN_WORDS = frozenset(_EN_TEXT.split())
_EN_WORD_BYTES = frozenset(w.encode("ascii") for w in _EN_WORDS)
#: ASCII letters lower-cased, every other byte a space: ``bytes.translate`` then ``split`` gives
#: the words ``[a-z]+`` finds in the lower-cased text
_ASCII_WORD_BYTES = bytes(
    ord(chr(c).lower()) if chr(c).isascii() and chr(c).isalpha() else ord(" ") for c in range(256)
)
EN_MIN_WORDS = 12  # words looked at, at least
EN_MIN_SHARE = 0.25  # share of them that must be English function words (at least 4 different ones)
#: the languages the detector may answer: the ISO 639-1 ones it knows, minus Latin, Esperanto,
#: Volapük and the labels that are not languages of news (py3langid 0.4 also has "pcm", "zxx", ...:
#: on Reuters' all-capitals tables of figures those won otherwise)
_NOT_NEWS = frozenset({"la", "eo", "vo"})

_NOT_ASCII_LETTERS = bytes(c for c in range(128) if not chr(c).isalpha())
_CACHE_FORMAT = 2  #: bump when what _write_cache keeps changes

_lock = threading.Lock()
_identifier: _Model | None = None


def _detector() -> _Model:
    """The language model, loaded once per process (see :class:`_Model`)."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                _identifier = _Model.load()
    return _identifier


class _Model:
    """py3langid's naive Bayes model restricted to the two-letter languages of news,
    scoring as its ``LanguageIdentifier.classify`` does (same features, same arithmetic,
    same answers: tests/languages pin it), made cheap to load and to run.

    Unpacking the model from its LZMA file costs about 0.8 s per process, a third of the
    CPU time raw tantivy takes to index all of Reuters: the unpacked, restricted arrays are
    kept in the user's cache folder (``$XDG_CACHE_HOME/newsdesk``, written atomically once)
    and mapped from there by every later process, which reads only the pages it touches.
    Without a writable cache the model is unpacked each time; nothing else changes.

    Scoring gathers a text's ~90 feature rows from a contiguous float32 table: py3langid
    keeps float16 columns picked out of the full table (a strided view), and gathering and
    multiplying those was 0.13 of its 0.33 ms per text (0.04 ms now, identical scores)."""

    __slots__ = ("aliases", "classes", "depth", "nextmove", "output", "pc", "ptc", "rowbase")

    def __init__(self, arrays: dict[str, Any]) -> None:
        import numpy as np

        self.ptc, self.pc = np.asarray(arrays["ptc"]), np.asarray(arrays["pc"])  # plain views of the mapped pages
        self.classes = [str(c) for c in arrays["classes"]]
        # plain arrays over the mapped pages, indexed many positions at a time (_states)
        self.nextmove = np.asarray(arrays["nextmove"])
        self.output = np.asarray(arrays["output"])
        self.rowbase = np.asarray(arrays["rowbase"])
        self.depth = int(np.asarray(arrays["depth"]).max())
        first: dict[str, int] = {}
        self.aliases = [(first[c], i) for i, c in enumerate(self.classes) if first.setdefault(c, i) != i]

    @classmethod
    def load(cls) -> _Model:
        cached = _cache_path()
        if cached is not None:
            try:
                return cls(_read_cache(cached))
            except FileNotFoundError:
                pass  # not written yet: unpack the model and write it
            except (OSError, ValueError, KeyError, TypeError):  # damaged: replaced below
                shutil.rmtree(cached, ignore_errors=True)
        arrays = _unpack_model()
        if cached is not None:
            _write_cache(cached, arrays)
        return cls(arrays)

    def classify(self, text: str) -> tuple[str, float]:
        """(language, normalised probability), as py3langid's ``classify``."""
        import numpy as np

        if text.isupper():
            text = text.lower()
        data = unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")
        found = self.output.take(self._states(np.frombuffer(data, dtype=np.uint8)))
        found = found[found >= 0]
        if len(found):
            # py3langid counts with a Counter: features in the order first met; the same
            # order here, so the float32 sums are the same to the last bit. A stable sort
            # groups each feature's visits, its first visit first.
            by_feature = found.argsort(kind="stable")
            grouped = found[by_feature]
            starts = np.flatnonzero(np.concatenate(([True], grouped[1:] != grouped[:-1])))
            counts = np.diff(np.append(starts, len(grouped)))
            order = by_feature[starts].argsort()  # first visits are distinct: no ties
            idx, counts = grouped[starts[order]], counts[order].astype(np.float32)
            scores = np.log1p(counts) @ self.ptc.take(idx, axis=0) + self.pc
        else:  # no feature at all: every language alike (low confidence: callers say und)
            scores = np.zeros(len(self.classes), dtype=np.float32)
        scores *= 1.0 / math.sqrt(len(data) or 1)
        np.exp(scores - scores.max(), out=scores)
        scores /= scores.sum()
        for i, j in self.aliases:
            scores[i] += scores[j]
            scores[j] = 0.0
        best = int(scores.argmax())
        return self.classes[best], float(scores[best])

    def _states(self, data: Any) -> Any:
        """The scanner's state after each byte of ``data``, for all bytes at once.

        py3langid's scanner is an Aho-Corasick automaton: its state after a byte is the longest
        suffix of the text read so far that is a node of its feature trie, and no node is
        deeper than ``self.depth`` bytes. So the state after byte ``i`` is where the automaton
        gets from its start on bytes ``i - depth + 1 .. i`` alone: ``depth`` vectorised steps
        over every position instead of one Python step per byte (0.5 ms a 600-byte lead)."""
        import numpy as np

        states = np.zeros(len(data), dtype=np.int64)
        nm, rowbase = self.nextmove, self.rowbase
        for back in range(min(self.depth, len(data)) - 1, -1, -1):
            # positions >= back take byte (position - back); earlier ones have no such byte
            step = data[: len(data) - back] if back else data
            tail = states[back:]
            tail[:] = nm[rowbase[tail] + step]
        return states

_ARRAYS = ("ptc", "pc", "classes", "nextmove", "output", "rowbase", "depth")


def _unpack_model() -> dict[str, Any]:
    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages([c for c in ident.labels if len(c) == 2 and c not in _NOT_NEWS])
    nextmove = np.asarray(ident.tk_nextmove)
    rowbase = np.asarray(ident.tk_row, dtype=np.int64) << 8
    return {
        "ptc": np.ascontiguousarray(ident.nb_ptc, dtype=np.float32),
        "pc": np.asarray(ident.nb_pc, dtype=np.float32),
        "classes": np.array(ident.nb_classes),
        "nextmove": nextmove,
        "output": np.asarray(ident.tk_output, dtype=np.int64),
        "rowbase": rowbase,
        "depth": np.array([_trie_depth(nextmove, rowbase)], dtype=np.int64),
    }


def _trie_depth(nextmove: Any, rowbase: Any) -> int:
    """How many bytes the deepest state of the scanner stands for: in an Aho-Corasick
    automaton a state's depth is its distance from the start (breadth first, all 256 bytes
    of each frontier state at once). Raises if a state is unreachable (not such an automaton)."""
    import numpy as np

    seen = np.zeros(len(rowbase), dtype=bool)
    seen[0] = True
    frontier, depth = np.zeros(1, dtype=np.int64), 0
    while True:
        reached = np.unique(nextmove[(rowbase[frontier][:, None] + np.arange(256)).ravel()])
        frontier = reached[~seen[reached]].astype(np.int64)
        if not len(frontier):
            break
        seen[frontier] = True
        depth += 1
    if not seen.all():
        raise ValueError("py3langid's scanner has unreachable states: not the automaton _Model expects")
    return depth


def _cache_path() -> Path | None:
    """Where this py3langid's unpacked model is kept (None: it cannot be told apart)."""
    try:
        from py3langid.langid import MODEL_DIR, MODEL_FILE

        model = MODEL_DIR / MODEL_FILE
        st = model.stat()
        stamp = f"{importlib.metadata.version('py3langid')}-{st.st_size}-{int(st.st_mtime)}-{_CACHE_FORMAT}"
    except (OSError, ImportError, importlib.metadata.PackageNotFoundError):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "newsdesk" / f"langid-{stamp}"


def _read_cache(folder: Path) -> dict[str, Any]:
    import numpy as np

    return {name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in _ARRAYS}


def _write_cache(folder: Path, arrays: dict[str, Any]) -> None:
    """Write the unpacked model into ``folder`` atomically: a folder is renamed into place
    only when complete, so no process ever maps half a model."""
    import tempfile

    import numpy as np

    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    except OSError:
        return
    try:
        for name in _ARRAYS:
            np.save(tmp / f"{name}.npy", arrays[name], allow_pickle=False)
        os.rename(tmp, folder)
    except OSError:  # no space, or another process was first: either way keep theirs
        shutil.rmtree(tmp, ignore_errors=True)
        return
    _drop_older_formats(folder)


def _drop_older_formats(folder: Path) -> None:
    """Remove this same model's caches in older formats (~85 MB each): nothing reads them now.
    Other models' caches (another py3langid, another venv) are left alone."""
    stem, _, _fmt = folder.name.rpartition("-")
    for old in folder.parent.glob(f"{stem}-*"):
        fmt = old.name.rpartition("-")[2]
        if fmt.isdigit() and int(fmt) < _CACHE_FORMAT:
            shutil.rmtree(old, ignore_errors=True)


def _letters(sample: str) -> int:
    """Letters in ``sample``, a CJK character counting 3 (an ASCII sample in about 2 µs:
    the per-character count it replaced was a tenth of Reuters' detection time)."""
    if sample.isascii():
        return len(sample.encode("ascii").translate(None, _NOT_ASCII_LETTERS))
    return sum(3 if CJK_CHAR.match(c) else 1 for c in sample if c.isalpha())


def _plainly_english(sample: str) -> bool:
    """Whether an ASCII ``sample``'s words (runs of letters, lower-cased) are dense in English
    function words (see ``EN_MIN_WORDS``). One ``translate`` (letters lower-cased, all else a
    space) and ``split`` find the same words as ``[a-z]+`` over the lower-cased text, in a
    third of the time."""
    if not sample.isascii():
        return False
    words = sample.encode("ascii").translate(_ASCII_WORD_BYTES).split()
    if len(words) < EN_MIN_WORDS:
        return False
    common = list(filter(_EN_WORD_BYTES.__contains__, words))
    return len(common) >= EN_MIN_SHARE * len(words) and len(set(common)) >= 4


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 code or ``und``, confidence) for ``text`` (read up to ``DETECT_CHARS``)."""
    sample = text[:DETECT_CHARS]
    if _letters(sample) < MIN_LETTERS:
        return UNDETERMINED, 0.0
    if _plainly_english(sample):
        return "en", 1.0
    code, confidence = _detector().classify(sample)
    if confidence < MIN_CONFIDENCE:
        return UNDETERMINED, confidence
    return lang_code(code) or UNDETERMINED, confidence


def resolve_language(declared: str | None, title: str, body: str) -> str:
    """The language to store: the declared one when it names a language, else detected."""
    code = lang_code(declared)
    if code:
        return code
    head = f"{title}\n{body[:DETECT_CHARS]}" if title else body[:DETECT_CHARS]
    return detect(head)[0]
