"""The language detector's own scoring and its unpacked-model cache (readers/languages._Model).

Ingest detects with a reimplementation of py3langid's classify over a cached, mapped copy of
its model: it must answer exactly what py3langid answers, and a missing, damaged or
unwritable cache may cost time but never change an answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdesk.readers import languages

py3langid = pytest.importorskip("py3langid.langid")

DATA = Path(__file__).parent.parent / "data" / "languages"


def _texts() -> list[str]:
    texts = ["", "12345 !!! 678", "ПРАВИТЕЛЬСТВО РОССИИ ОБЪЯВИЛО О НОВЫХ МЕРАХ", "中国经济增长放缓", "שלום עולם"]
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.append(f"{row.get('title', '')}\n{row.get('body', '')}"[: languages.DETECT_CHARS])
    texts.append("OWENS AND MINOR INC <OBOD> RAISES QTLY DIVIDEND\nQtly div eights cts vs 7.5 cts prior")
    return texts


@pytest.fixture()
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(languages, "_identifier", None)
    return tmp_path


def _reference():
    ref = py3langid.LanguageIdentifier.from_model_file(py3langid.MODEL_FILE, norm_probs=True)
    ref.set_languages([c for c in ref.labels if len(c) == 2 and c not in languages._NOT_NEWS])
    return ref


def test_same_answers_as_py3langid(cache_home):
    ref, model = _reference(), languages._detector()
    texts = _texts()
    assert len(texts) > 10
    for text in texts:
        want, got = ref.classify(text), model.classify(text)
        assert got[0] == want[0], text[:60]
        assert got[1] == pytest.approx(want[1], abs=1e-6), text[:60]


def test_cache_written_once_then_mapped(cache_home):
    first = languages._Model.load()
    folders = list((cache_home / "newsdesk").glob("langid-*"))
    assert len(folders) == 1 and (folders[0] / "ptc.npy").is_file()
    stamp = (folders[0] / "ptc.npy").stat().st_mtime_ns
    second = languages._Model.load()
    assert (folders[0] / "ptc.npy").stat().st_mtime_ns == stamp  # read, not rewritten
    text = "Die Regierung hat am Montag neue Maßnahmen gegen die Inflation beschlossen."
    assert first.classify(text) == second.classify(text)
    assert second.classify(text)[0] == "de"


def test_damaged_cache_is_replaced_not_believed(cache_home):
    languages._Model.load()
    folder = next((cache_home / "newsdesk").glob("langid-*"))
    (folder / "ptc.npy").write_bytes(b"not a numpy file")
    model = languages._Model.load()  # falls back to unpacking the model, and writes it again
    assert model.classify("La croissance de l'économie ralentit selon la banque centrale")[0] == "fr"
    assert languages._read_cache(folder)["ptc"].shape[0] > 1000


def test_unwritable_cache_still_detects(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    model = languages._Model.load()
    assert model.classify("El gobierno anunció nuevas medidas contra la inflación este lunes")[0] == "es"
