"""Book 2's toy sequence sets (chapter 7), generated here: no download, the same on every machine.

    (x_train, t_train), (x_test, t_test) = sequence.load_data('addition.txt', seed=1984)
    char_to_id, id_to_char = sequence.get_vocab()

'addition.txt': 50,000 distinct questions "a+b", a and b in 0..999, padded with spaces to 7
characters; each answer is "_" and the sum, padded to 5 ("_" is the decoder's start symbol).
'date.txt': 50,000 dates from 1970-01-01 to 2029-12-31 written in one of many human formats
("september 27, 1994", "TUESDAY, SEPTEMBER 25, 1984", "2/10/93", ...), padded to 29 characters;
each answer is "_YYYY-MM-DD". The lines are drawn from a fixed generator (NumPy's RandomState,
whose streams never change); `seed` shuffles them before the split (45,000 / 5,000), as the
book's load_data does, without touching NumPy's global generator. Characters get ids in the
order they first appear, as in the book; the vocabulary grows over the sets loaded, also as the
book's, and get_vocab() returns it.
"""
import datetime

import numpy as np

SIZE = 50_000
_GENERATOR_SEED = 2017  # fixes the lines themselves ("the file"); load_data's seed only shuffles

char_to_id = {}
id_to_char = {}
_cache = {}

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"]
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
FIRST, LAST = datetime.date(1970, 1, 1), datetime.date(2029, 12, 31)  # two-digit years stay unambiguous


def _addition_lines():
    rng = np.random.RandomState(_GENERATOR_SEED)
    pairs = rng.choice(1000 * 1000, SIZE, replace=False)
    a, b = divmod(pairs, 1000)
    return [(f"{a}+{b}".ljust(7), f"_{a + b}".ljust(5)) for a, b in zip(a.tolist(), b.tolist())]


def _date_formats(d):
    """The ways of writing d: (month, day, year) in words and digits, in three cases."""
    month, day = MONTHS[d.month - 1], DAYS[d.weekday()]
    forms = [f"{month} {d.day}, {d.year}", f"{month[:3]} {d.day}, {d.year}", f"{d.day} {month} {d.year}",
             f"{day}, {month} {d.day}, {d.year}", f"{day[:3]}, {month[:3]} {d.day}, {d.year}"]
    cased = [f(s) for s in forms for f in (str.lower, str.title, str.upper)]
    return cased + [f"{d.month}/{d.day}/{d.year % 100:02d}", f"{d.month}/{d.day}/{d.year}",
                    f"{d.day:02d}.{d.month:02d}.{d.year}", f"{d.year}/{d.month:02d}/{d.day:02d}"]


def _date_lines():
    rng = np.random.RandomState(_GENERATOR_SEED)
    offsets = rng.randint(0, (LAST - FIRST).days + 1, SIZE)
    n_formats = len(_date_formats(FIRST))
    choices = rng.randint(0, n_formats, SIZE)
    lines = []
    for offset, k in zip(offsets.tolist(), choices.tolist()):
        d = FIRST + datetime.timedelta(days=offset)
        lines.append((_date_formats(d)[k].ljust(29), "_" + d.isoformat()))
    return lines


SETS = {"addition.txt": _addition_lines, "date.txt": _date_lines}


def _update_vocab(text):
    for ch in text:
        if ch not in char_to_id:
            char_to_id[ch] = len(char_to_id)
            id_to_char[char_to_id[ch]] = ch


def load_data(file_name="addition.txt", seed=1984):
    """(x_train, t_train), (x_test, t_test): questions and answers as character ids (int64),
    shuffled with `seed` (None: in generation order), the last tenth for testing."""
    if file_name not in SETS:
        raise ValueError(f"load_data: unknown set {file_name!r}; the sets are {sorted(SETS)}")
    if file_name not in _cache:
        _cache[file_name] = SETS[file_name]()
    lines = _cache[file_name]
    for q, a in lines:
        _update_vocab(q)
        _update_vocab(a)
    x = np.array([[char_to_id[c] for c in q] for q, _ in lines], dtype=np.int64)
    t = np.array([[char_to_id[c] for c in a] for _, a in lines], dtype=np.int64)
    indices = np.arange(len(x))
    if seed is not None:
        np.random.RandomState(seed).shuffle(indices)  # the permutation np.random.seed(seed); shuffle gives
    x, t = x[indices], t[indices]
    split_at = len(x) - len(x) // 10
    return (x[:split_at], t[:split_at]), (x[split_at:], t[split_at:])


def get_vocab():
    """(char_to_id, id_to_char) of the sets loaded so far."""
    return char_to_id, id_to_char
