"""Which language a message is written in: Italian or English, or neither.

Function words decide most messages; the knowledge base's own vocabulary of each language decides the
rest. The customer's Telegram language only breaks ties.
"""

from __future__ import annotations

from collections.abc import Iterable

LANGUAGES = ("it", "en")
CLEAR_MARGIN = 1.0

STOPWORDS = {
    "it": frozenset(
        """a ad al alla alle allo agli ai all anche ancora avere avete abbiamo ho hai ha hanno c ce ci che chi
        come con cosa cose cui da dal dalla dalle dai dagli del della delle dello dei degli di dove e ed era
        essere fa fare faccio gia gli ha i il in io la le lei li lo loro lui ma me mi mia mie mio miei molto
        ne nei nel nella nelle nello negli noi non nostro nostra o oppure per perche piu poi posso puo
        puoi quale quali quando quanto quella quelle quello quelli questa queste questo questi qui se sei
        si sia sono su sua sue suo sul sulla sulle sullo sui tra tu tua tue tuo tutti tutto tutte un una
        uno vi voi vorrei voglio devo deve devono serve servono c e cioe ecco ciao grazie buongiorno
        buonasera salve allora quindi pero invece anzi mai sempre niente nulla adesso ora dopo prima
        senza sto stato stata fatto fatta vuol dire differenza funziona meglio conviene scegliere""".split()
    ),
    "en": frozenset(
        """a about after all also am an and any are as at be because been before but by can cannot could
        did do does doing don done for from get gets got had has have having he her here him his how i if
        in into is it its just me mine more most my no not now of off on once only or other our out over
        please should so some such than that the their them then there these they this those through to
        too ok under until up us very was we were what when where which while who whom why will with would
        you your yours hi hello hey thanks thank the what whats difference works better choose should
        isn doesn didn won can t s m ll ve re d""".split()
    ),
}


# Politeness and filler words: they make a greeting a greeting, but weigh almost nothing in a question
# ("ciao, una domanda: cos'è smtp?").
FILLER = frozenset(
    """hi hello hey ciao salve buongiorno buonasera question questions quick domanda domande domandina
    scusa scusate scusami sorry please pls plz favore piacere grazie thanks thank ok okay allora actually
    really just basically esattamente praticamente tipo comunque anyway guys ragazzi gentilmente kindly
    cortesemente""".split()
)


class LanguageDetector:
    """Scores a message's words against each language's function words and vocabulary."""

    def __init__(self, vocabulary: dict[str, Iterable[str]]):
        it_words = set(vocabulary.get("it", ()))
        en_words = set(vocabulary.get("en", ()))
        # Words only one language's knowledge base uses count for that language, at half the weight
        # of a function word (which customers use far more reliably).
        self._weights: dict[str, tuple[float, float]] = {}
        for word in it_words - en_words:
            self._weights[word] = (0.5, 0.0)
        for word in en_words - it_words:
            self._weights[word] = (0.0, 0.5)
        for word in STOPWORDS["it"]:
            self._weights[word] = (1.0, 0.0)
        for word in STOPWORDS["en"]:
            it_score = 1.0 if word in STOPWORDS["it"] else 0.0
            self._weights[word] = (it_score, 1.0)

    def scores(self, words: list[str]) -> tuple[float, float]:
        it_score = en_score = 0.0
        for word in words:
            weight = self._weights.get(word)
            if weight:
                it_score += weight[0]
                en_score += weight[1]
        return it_score, en_score

    def detect(self, words: list[str], hint: str | None = None) -> tuple[str | None, bool]:
        """The language of ``words`` and whether the words clearly decided it.

        Clearly means by at least one function word's weight: "no" or "ok" do not switch a conversation
        from one language to the other. Below that the leaning language is returned, else the hint, else
        None when the words belong to neither language.
        """
        it_score, en_score = self.scores(words)
        margin = abs(it_score - en_score)
        if margin == 0:
            return (hint if hint in LANGUAGES else None), False
        return ("it" if it_score > en_score else "en"), margin >= CLEAR_MARGIN
