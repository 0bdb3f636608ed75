"""spaCy's greedy NER decoding in numpy (``enrich.ner`` runs it; see that module's docstring).

spaCy's own loop takes and releases the GIL on every move check; :class:`Biluo` decodes a whole
batch per token step with the same features, scores, validity rules and first-best choice, and
says None (:meth:`Biluo.for_pipe`) for a component it does not cover, which then runs as
``ner.pipe``. Tests pin it against ``ner.pipe`` (tests/enrich/test_ner.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_decoders: dict[int, tuple[Any, Biluo | None]] = {}  # id(ner pipe) -> (pipe, its decoder; None: not decodable)


class Biluo:
    """spaCy's greedy NER decoding (tok2vec, precomputed features, BILUO moves) in numpy, a
    batch of docs per token step: the same scores and choices as ``EntityRecognizer.pipe``
    without its per-move GIL round trips (see above). :meth:`for_pipe` is None for a
    component it does not cover (beam search, other features, preset annotations' moves)."""

    def __init__(self, pipe: Any) -> None:
        import numpy as np

        self.np = np
        moves = pipe.moves
        names = [moves.get_class_name(i) for i in range(moves.n_moves)]
        self.labels = sorted({n[2:] for n in names if n[:2] in ("B-", "I-", "L-", "U-") and n[2:]})
        index = {label: k for k, label in enumerate(self.labels)}
        self.kind = np.full(len(names), 5, np.int8)  # 0 B, 1 I, 2 L, 3 U, 4 O, 5 never valid
        self.lab = np.zeros(len(names), np.int64)
        for i, n in enumerate(names):
            if n == "O":
                self.kind[i] = 4
            elif n[:2] in ("B-", "I-", "L-", "U-") and n[2:]:
                self.kind[i], self.lab[i] = "BILU".index(n[0]), index[n[2:]]
        k, lab = self.kind, self.lab
        # valid moves by state: closed (code 2 * token is space + two tokens left) or open with
        # label L (code 4 + 2 * L + two tokens left), as spaCy's Begin/In/Last/Unit/Out.is_valid
        # read them on a doc with no preset entities and no sentence starts
        masks = np.zeros((4 + 2 * len(self.labels), len(names)), bool)
        for space in (0, 1):
            for two in (0, 1):
                masks[2 * space + two] = (k == 4) | (not space) & ((k == 3) | (k == 0) & bool(two))
        for li in range(len(self.labels)):
            for two in (0, 1):
                masks[4 + 2 * li + two] = (lab == li) & ((k == 1) & bool(two) | (k == 2))
        self.masks = np.where(masks, 0.0, -np.inf).astype(np.float32)  # added to the scores
        model = pipe.model
        self.tok2vec, self.lower, self.upper = (model.get_ref(r) for r in ("tok2vec", "lower", "upper"))
        self.unseen = sorted(model.attrs.get("unseen_classes") or ())

    @classmethod
    def for_pipe(cls, pipe: Any) -> Biluo | None:
        kept = _decoders.get(id(pipe))
        if kept is None:  # checked once per pipe; the pipe is kept too, so its id is not reused
            kept = _decoders[id(pipe)] = (pipe, cls(pipe) if _decodable(pipe) else None)
        return kept[1]

    def __call__(self, docs: Sequence[Any]) -> list[list[tuple[int, int, str]]]:
        """(start token, end token, label) of each doc's entities, in order."""
        np = self.np
        from spacy.attrs import IS_SPACE

        out: list[list[tuple[int, int, str]]] = [[] for _ in docs]
        keep = [i for i, d in enumerate(docs) if len(d)]
        if not keep:
            return out
        kept = [docs[i] for i in keep]
        cached = self.lower.predict(self.tok2vec.predict(kept))  # (tokens + 1 pad, 3, hidden, pieces)
        pre = [cached[:, f] for f in range(3)]
        bias = self.lower.get_param("b")
        weights, out_bias = self.upper.get_param("W").T, self.upper.get_param("b")
        lens = np.array([len(d) for d in kept])
        offs = np.concatenate(([0], np.cumsum(lens)[:-1]))
        space = np.concatenate([d.to_array([IS_SPACE]).reshape(-1) for d in kept]).astype(np.int64)
        order = np.argsort(-lens, kind="stable")  # longest first: the active docs are a prefix
        lens, offs = lens[order], offs[order]
        start = np.full(len(kept), -1, np.int64)  # the open entity's first token (-1: none open)
        label = np.zeros(len(kept), np.int64)
        found: list[tuple[int, int, int, int]] = []
        active = len(kept)
        for t in range(int(lens[0])):
            while lens[active - 1] <= t:
                active -= 1
            at, st = offs[:active], start[:active]
            pos = at + t
            is_open = st >= 0
            # the features of a state: B(0), the open entity's first token, and B(0) - 1 inside one
            hidden = pre[0][pos + 1] + pre[1][np.where(is_open, at + st + 1, 0)]
            hidden = (hidden + pre[2][np.where(is_open, pos, 0)] + bias).max(axis=2)
            scores = hidden @ weights + out_bias
            if self.unseen:
                scores[:, self.unseen] = np.nanmin(scores)
            two = (lens[:active] - t >= 2).astype(np.int64)
            code = np.where(is_open, 4 + 2 * label[:active] + two, 2 * space[pos] + two)
            act = (scores + self.masks[code]).argmax(axis=1)  # the first best valid move
            kinds = self.kind[act]
            if (kinds == 4).all():
                continue
            labs = self.lab[act]
            for i in np.nonzero(kinds == 3)[0]:
                found.append((int(order[i]), t, t + 1, int(labs[i])))
            for i in np.nonzero(kinds == 2)[0]:
                found.append((int(order[i]), int(st[i]), t + 1, int(label[i])))
            st[kinds == 2] = -1
            begins = kinds == 0
            st[begins] = t
            label[:active][begins] = labs[begins]
        for j, a, b, lab in sorted(found):
            out[keep[j]].append((a, b, self.labels[lab]))
        return out


def _decodable(pipe: Any) -> bool:
    """Is ``pipe`` the transition NER that :class:`Biluo` reproduces (greedy, 3 features, an
    upper layer, BILUO moves)?"""
    try:
        model = pipe.model
        lower = model.get_ref("lower")
        return (
            type(pipe).__name__ == "EntityRecognizer"
            and pipe.cfg.get("beam_width", 1) == 1
            and model.attrs.get("has_upper")
            and lower.get_dim("nF") == 3
            and lower.get_dim("nP") >= 1
            and all(
                pipe.moves.get_class_name(i) == "O"
                or pipe.moves.get_class_name(i)[:2] in ("B-", "I-", "L-", "U-")
                for i in range(pipe.moves.n_moves)
            )
        )
    except (KeyError, ValueError, AttributeError):
        return False
