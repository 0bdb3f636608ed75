"""A few short news articles in eight languages, written for these tests (the acceptance desk)."""

from __future__ import annotations

import json
from pathlib import Path

ARTICLES = [
    {"id": "de-1", "title": "Die Regierungen der Länder beraten über Schulen",
     "body": "Die Regierungen der Bundesländer haben sich am Montag in Berlin getroffen, um über die "
             "Finanzierung der Schulen zu sprechen. Herr Müller sagte, man sei zuversichtlich."},
    {"id": "fr-1", "title": "La croissance de l'économie ralentit",
     "body": "Selon l'Insee, la croissance de l'économie française a ralenti au troisième trimestre, "
             "en raison de la baisse de la consommation des ménages."},
    {"id": "es-1", "title": "Las elecciones en Madrid",
     "body": "Las elecciones autonómicas se celebrarán en mayo. Los partidos políticos presentan sus "
             "candidatos y programas a los ciudadanos de la región."},
    {"id": "it-1", "title": "I governi europei discutono il bilancio",
     "body": "I governi dei paesi europei si sono riuniti a Bruxelles per discutere il bilancio "
             "dell'Unione e le nuove regole sul debito pubblico delle città."},
    {"id": "ru-1", "title": "Заседание правительства России",
     "body": "Заседание правительства прошло в Москве. Министры обсудили бюджет на следующий год и "
             "меры поддержки экономики регионов."},
    {"id": "zh-1", "title": "中国经济增长放缓",
     "body": "国家统计局周一公布的数据显示，中国第三季度经济增长放缓，消费和投资均低于预期。"},
    {"id": "ja-1", "title": "日本銀行が金融政策を据え置き",
     "body": "日本銀行は金曜日の金融政策決定会合で、大規模な金融緩和策を維持することを決めた。"
             "物価の見通しは引き上げた。"},
    {"id": "ar-1", "title": "الحكومات العربية تعلن خطة جديدة",
     "body": "أعلنت الحكومات العربية اليوم عن خطة جديدة لدعم الاقتصاد وخلق فرص عمل للشباب في جميع "
             "أنحاء المنطقة خلال العام المقبل."},
    {"id": "en-1", "title": "Government announces new budget",
     "body": "The government announced a new budget on Monday, raising spending on schools and "
             "hospitals while cutting taxes for small businesses."},
]


def write_jsonl(path: Path, declared: bool = False) -> Path:
    """The articles as one JSONL file; ``declared`` gives each its ``lang`` (else detected)."""
    with path.open("w", encoding="utf-8") as fh:
        for art in ARTICLES:
            row = dict(art, lang=art["id"].split("-")[0]) if declared else art
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path
