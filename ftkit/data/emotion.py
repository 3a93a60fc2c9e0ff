"""Korean 6-class emotion labels built from KOTE's 44 multi-labels.

The six classes 분노, 슬픔, 불안, 상처, 당황, 기쁨 are those of the AI Hub 감성대화 corpus that the original
lesson used. :data:`KOTE_TO_EMOTION` maps a KOTE label to a class, following AI Hub's sub-emotions where KOTE
has a counterpart:

- 분노 <- 불평/불만(0), 지긋지긋(3), 화남/분노(6), 역겨움/징그러움(21), 짜증(22), 증오/혐오(31)
  (AI Hub 분노: 툴툴대는, 성가신, 노여워하는, 구역질 나는, 짜증내는, 악의적인)
- 슬픔 <- 슬픔(5), 안타까움/실망(10), 절망(19)   (실망한, 낙담한, 비통한)
- 불안 <- 공포/무서움(18), 부담/안_내킴(35), 불안/걱정(41)   (두려운, 스트레스 받는, 걱정스러운)
- 상처 <- 부끄러움(17), 패배/자기혐오(25), 힘듦/지침(27), 죄책감(30), 서러움(36)
  (pain turned on oneself or felt as being wronged: 억울한, 괴로워하는, 열등감, 죄책감의)
- 당황 <- 당황/난처(33), 경악(34), 놀람(39)   (being taken aback: 당혹스러운, 충격 받은)
- 기쁨 <- 고마움(4), 뿌듯함(13), 편안/쾌적(14), 즐거움/신남(28), 흐뭇함(32), 행복(40), 기쁨(42), 안심/신뢰(43)
  (감사하는, 만족스러운, 편안한, 신이 난, 안도, 신뢰하는)

Ignored (16 labels): 환영/호의(1), 감동/감탄(2), 존경(7), 기대감(8), 우쭐댐/무시함(9), 비장함(11),
의심/불신(12), 신기함/관심(15), 아껴주는(16), 한심함(20), 어이없음(23), 없음(24), 귀찮음(26), 깨달음(29),
재미없음(37), 불쌍함/연민(38). They are outside the six (admiration, expectation, interest, insight, resolve,
boredom, "none"), feelings aimed at someone else (goodwill, care, pity), or judgements of a third party that
KOTE annotators add to almost every critical comment (한심함, 어이없음, 의심/불신): mapping those would turn
nearly every news comment into 분노 or 당황 without saying what the writer feels.

A KOTE row's labels are the union of its annotators' labels (median 8 per row). Its class is the class with
the most mapped labels (:func:`emotion_of`). Rows with no mapped label, or with a tie for the most, are
ambiguous: ``load("emotion")`` drops them, counts them and reports the counts, never silently. On the real
KOTE val/test files this keeps about 4,000 of 5,000 rows per split, strongly imbalanced (분노 and 기쁨 about
1,800 and 1,650 each, 상처 and 불안 under 100); lesson 04 shows the imbalance.
"""
from __future__ import annotations

from collections import Counter
from types import MappingProxyType
from typing import Iterable, Mapping

#: KOTE label index -> name, in the order of the KOTE README (the label order of the published files).
KOTE_LABELS: tuple[str, ...] = (
    "불평/불만", "환영/호의", "감동/감탄", "지긋지긋", "고마움", "슬픔", "화남/분노", "존경", "기대감",
    "우쭐댐/무시함", "안타까움/실망", "비장함", "의심/불신", "뿌듯함", "편안/쾌적", "신기함/관심", "아껴주는",
    "부끄러움", "공포/무서움", "절망", "한심함", "역겨움/징그러움", "짜증", "어이없음", "없음", "패배/자기혐오",
    "귀찮음", "힘듦/지침", "즐거움/신남", "깨달음", "죄책감", "증오/혐오", "흐뭇함(귀여움/예쁨)", "당황/난처",
    "경악", "부담/안_내킴", "서러움", "재미없음", "불쌍함/연민", "놀람", "행복", "불안/걱정", "기쁨", "안심/신뢰",
)

#: The six emotion classes, in label-index order.
EMOTION_CLASSES: tuple[str, ...] = ("분노", "슬픔", "불안", "상처", "당황", "기쁨")

#: KOTE label index -> emotion class; indices not in here are ignored (see the module docstring).
KOTE_TO_EMOTION: Mapping[int, str] = MappingProxyType({
    0: "분노", 3: "분노", 6: "분노", 21: "분노", 22: "분노", 31: "분노",
    5: "슬픔", 10: "슬픔", 19: "슬픔",
    18: "불안", 35: "불안", 41: "불안",
    17: "상처", 25: "상처", 27: "상처", 30: "상처", 36: "상처",
    33: "당황", 34: "당황", 39: "당황",
    4: "기쁨", 13: "기쁨", 14: "기쁨", 28: "기쁨", 32: "기쁨", 40: "기쁨", 42: "기쁨", 43: "기쁨",
})

#: KOTE label indices that no class uses.
KOTE_IGNORED: tuple[int, ...] = tuple(i for i in range(len(KOTE_LABELS)) if i not in KOTE_TO_EMOTION)


def emotion_of(indices: Iterable[int]) -> tuple[str | None, str]:
    """The emotion class of one KOTE row, and why.

    Returns ``(class, "ok")``, ``(None, "no_mapped_label")`` or ``(None, "tie")``.
    """
    votes = Counter(KOTE_TO_EMOTION[i] for i in indices if i in KOTE_TO_EMOTION)
    if not votes:
        return None, "no_mapped_label"
    ranked = votes.most_common()
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None, "tie"
    return ranked[0][0], "ok"
