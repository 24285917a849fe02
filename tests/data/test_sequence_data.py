"""nn.datasets.sequence: the book's addition and date sets, generated; every pair checked."""
import datetime
import re

import numpy as np
import pytest

from nn.datasets import sequence


def decoded(x, id_to_char):
    return ["".join(id_to_char[int(c)] for c in row) for row in x]


@pytest.fixture(scope="module")
def addition():
    return sequence.load_data("addition.txt", seed=1984)


def test_addition_has_the_books_shapes_and_every_answer_is_the_sum(addition):
    (x_train, t_train), (x_test, t_test) = addition
    assert x_train.shape == (45000, 7) and t_train.shape == (45000, 5)
    assert x_test.shape == (5000, 7) and t_test.shape == (5000, 5)
    assert x_train.dtype.kind == "i"
    _, id_to_char = sequence.get_vocab()
    questions = decoded(np.concatenate([x_train, x_test]), id_to_char)
    answers = decoded(np.concatenate([t_train, t_test]), id_to_char)
    operands = set()
    for q, a in zip(questions, answers):
        m = re.fullmatch(r"(\d{1,3})\+(\d{1,3}) *", q)
        assert m and len(q) == 7, q
        left, right = m.groups()
        assert left == str(int(left)) and right == str(int(right))  # no leading zeros
        assert a == ("_" + str(int(left) + int(right))).ljust(5), (q, a)
        operands.update((int(left), int(right)))
    assert len(set(questions)) == 50000  # distinct questions: no test question is also trained on
    assert min(operands) == 0 and max(operands) == 999


def test_date_answers_are_the_dates_the_questions_write():
    (x_train, t_train), (x_test, t_test) = sequence.load_data("date.txt", seed=1984)
    assert x_train.shape == (45000, 29) and t_train.shape == (45000, 11) and x_test.shape == (5000, 29)
    _, id_to_char = sequence.get_vocab()
    questions = decoded(np.concatenate([x_train, x_test]), id_to_char)
    answers = decoded(np.concatenate([t_train, t_test]), id_to_char)
    formats = ["%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%A, %B %d, %Y", "%a, %b %d, %Y", "%m/%d/%y",
               "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d"]
    used = set()
    for q, a in zip(questions, answers):
        text = q.rstrip(" ")
        parsed = []
        for f in formats:
            try:
                parsed.append((f, datetime.datetime.strptime(text, f).date()))
            except ValueError:
                pass
        assert parsed, q
        dates = {d for _, d in parsed}
        assert len(dates) == 1, q  # one reading only
        (date,) = dates
        assert a == "_" + date.isoformat(), (q, a)
        assert datetime.date(1970, 1, 1) <= date <= datetime.date(2029, 12, 31)
        if any(ch.isalpha() for ch in text):  # weekday names, where written, are the date's
            for name in sequence.DAYS:
                if text.lower().startswith(name[:3]):
                    assert date.weekday() == sequence.DAYS.index(name), q
        used.add(parsed[0][0] + ("U" if text.isupper() else "l" if text.islower() else "T"))
    assert len(used) >= 15  # many human formats, in three cases


def test_generated_the_same_every_time_and_seed_only_shuffles(addition):
    (x_train, t_train), (x_test, _) = addition
    (x2, t2), (x2_test, _) = sequence.load_data("addition.txt", seed=1984)
    np.testing.assert_array_equal(x_train, x2)
    np.testing.assert_array_equal(x_test, x2_test)
    (x3, _), (x3_test, _) = sequence.load_data("addition.txt", seed=7)
    assert not np.array_equal(x3[:100], x_train[:100])
    all_a = {tuple(r) for r in np.concatenate([x_train, x_test])}
    assert all_a == {tuple(r) for r in np.concatenate([x3, x3_test])}
    # seed=None: the order of generation; the book's permutation np.random.seed(s); shuffle(...)
    (x_none, _), (x_none_test, _) = sequence.load_data("addition.txt", seed=None)
    whole = np.concatenate([x_none, x_none_test])
    np.random.seed(1984)
    order = np.arange(50000)
    np.random.shuffle(order)
    np.testing.assert_array_equal(whole[order][:45000], x_train)


def test_vocab_is_the_books_ids_in_order_of_first_appearance():
    import importlib
    importlib.reload(sequence)  # a fresh vocabulary, as in a new process
    (x, _), _ = sequence.load_data("addition.txt", seed=None)
    char_to_id, id_to_char = sequence.get_vocab()
    assert all(id_to_char[i] == c for c, i in char_to_id.items())
    assert sorted(char_to_id.values()) == list(range(len(char_to_id))) and set(char_to_id) == set("0123456789+_ ")
    first_line = "".join(id_to_char[int(c)] for c in x[0])  # seed=None: the first line generated
    seen = list(dict.fromkeys(first_line))
    assert [char_to_id[c] for c in seen] == list(range(len(seen)))
    # the vocabulary grows over the sets loaded, as the book's: dates add letters, keep the digits' ids
    before = dict(char_to_id)
    sequence.load_data("date.txt")
    assert sequence.get_vocab()[0].items() >= before.items() and len(sequence.get_vocab()[0]) > len(before)


def test_an_unknown_set_is_a_named_error():
    with pytest.raises(ValueError, match=r"load_data: unknown set 'tiny.txt'; the sets are \['addition.txt', 'date.txt'\]"):
        sequence.load_data("tiny.txt")
