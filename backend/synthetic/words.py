"""Built-in vocabulary for synthetic documents: plain business and shipping words, no downloads."""

from __future__ import annotations

import numpy as np

_WORD_TEXT = """
    the of and to in is for on that by with as be at from this or are an it not which have all will
    has was were been their its can may shall any such each other these those under within upon into
    than per also only more most must should would could after before between during without about
    agreement account address amount annual applicant application approval article balance bank basis
    board branch budget buyer cargo carrier certificate charge claim clause client code committee
    company condition consignee consignment container contract copy cost country credit customer date
    delivery department deposit description destination document due duty effective employee entry
    equipment estimate exchange export facility fee file finance form freight fund goods gross
    guarantee hereby import included income inspection instruction insurance interest inventory
    invoice issue item laboratory letter liability licence limit line loading location manager
    manifest material member method month net notice number office operation order origin owner
    package packing page paid party payment payable period permit place policy port premium price
    procedure product project purchase quality quantity rate receipt received record reference
    register registered regulation remittance report request required requirement reserve result
    return review route sample schedule section seal seller service settlement shipment shipper
    signature statement station status storage subject supplier supply surface tax term terms test
    total transfer transport unit value vessel warehouse weight year general special standard final
    current previous following above below written original certified approved pending complete
    partial annual monthly daily local national external internal public private free full
    accordance respect regard relation reason purpose provision notice manner extent event
    evidence effect date case authority action advice agent area arrangement attention
    available benefit capital change charge check close commercial common conditions consent
    control correct customs damage damaged data declaration defect delay direct discount due
    electronic end evaluation examination excess expected expense express fair foreign further
    given handling hold identification immediate information initial inspected issued key known
    last legal level list made maximum minimum necessary new note number official open paper
    particular payment person placed prepared present process provided reasonable receipt record
    relevant remaining reported responsible same second signed small stated steel subsequent
    sufficient third time transferred true use valid verified visual whole wood produce fresh
    crate pallet panel corrosion cleaning repair surveyor survey condition grade batch lot harvest
"""
WORDS: tuple[str, ...] = tuple(dict.fromkeys(_WORD_TEXT.split()))

HEADINGS: tuple[str, ...] = (
    "INVOICE", "PACKING LIST", "BILL OF LADING", "CERTIFICATE OF INSPECTION", "DELIVERY NOTE",
    "PURCHASE ORDER", "SURVEY REPORT", "STATEMENT OF ACCOUNT", "QUALITY CERTIFICATE", "RECEIPT",
    "Terms and Conditions", "Summary", "Inspection Results", "Remarks", "Schedule A", "Notes",
    "Payment Details", "Description of Goods", "Declaration", "Container Condition Report",
)  # fmt: skip

STAMP_WORDS: tuple[str, ...] = (
    "APPROVED", "RECEIVED", "PAID", "COPY", "ORIGINAL", "VERIFIED", "INSPECTED", "REJECTED",
    "CONFIDENTIAL", "CHECKED", "CUSTOMS", "URGENT", "CANCELLED", "ENTERED", "FILED",
)  # fmt: skip

NAMES: tuple[str, ...] = (
    "Adams", "Baker", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
    "Kowalski", "Larsen", "Moreau", "Nakamura", "Olsen", "Petrov", "Rossi", "Santos", "Tanaka", "Weber",
)  # fmt: skip


def sentence(rng: np.random.Generator, n_words: int) -> list[str]:
    """Random words, the first capitalised, some followed by commas; the last ends with a full stop."""
    picks = rng.integers(0, len(WORDS), n_words)
    words = [WORDS[int(i)] for i in picks]
    words[0] = words[0].capitalize()
    commas = rng.random(n_words) < 0.06
    for k in range(n_words - 1):
        if commas[k]:
            words[k] += ","
    words[-1] += "."
    return words


def paragraph_words(rng: np.random.Generator, n_words: int) -> list[str]:
    words: list[str] = []
    while len(words) < n_words:
        words += sentence(rng, int(rng.integers(5, 16)))
    return words


def title(rng: np.random.Generator) -> str:
    if rng.random() < 0.6:
        return HEADINGS[int(rng.integers(len(HEADINGS)))]
    return " ".join(WORDS[int(i)].capitalize() for i in rng.integers(0, len(WORDS), int(rng.integers(2, 5))))


def cell_text(rng: np.random.Generator) -> str:
    """What a table cell holds: a word, a quantity, an amount, a date or a reference."""
    kind = int(rng.integers(5))
    if kind == 0:
        return WORDS[int(rng.integers(len(WORDS)))]
    if kind == 1:
        return str(int(rng.integers(1, 999)))
    if kind == 2:
        return f"{rng.integers(1, 99999)}.{rng.integers(0, 100):02d}"
    if kind == 3:
        return date(rng)
    return f"{chr(65 + int(rng.integers(26)))}{chr(65 + int(rng.integers(26)))}-{rng.integers(1000, 99999)}"


def date(rng: np.random.Generator) -> str:
    return f"{rng.integers(1, 29):02d}.{rng.integers(1, 13):02d}.{rng.integers(1995, 2026)}"


def person(rng: np.random.Generator) -> str:
    initial = chr(65 + int(rng.integers(26)))
    return f"{initial}. {NAMES[int(rng.integers(len(NAMES)))]}"
