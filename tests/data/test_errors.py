"""Bad input to nn.datasets' IDX reader: each error says what was wrong in the user's terms, naming the op, the shapes,
the label, the parameter or the file, and never leaks a numpy internal in their place. One test
per case; each asserts the content of the message."""
from nn.datasets import DatasetError, read_idx
from tests.helpers import message


# --- IDX files ------------------------------------------------------------------------------

def test_read_idx_of_a_missing_file_names_it(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    msg = message(DatasetError, read_idx, path)
    assert str(path) in msg and "cannot read" in msg


def test_read_idx_with_a_bad_magic_number_names_it(tmp_path):
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(b"\x12\x34\x56\x78")
    msg = message(DatasetError, read_idx, path)
    assert str(path) in msg and "0x12345678" in msg and "0x00000801" in msg


def test_read_idx_with_truncated_data_names_the_sizes(tmp_path):
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x05\x01")
    msg = message(DatasetError, read_idx, path)
    assert "truncated data" in msg and "(5,)" in msg and "got 1" in msg


def test_read_idx_of_a_gz_name_without_gzip_data_says_so(tmp_path):
    path = tmp_path / "x-idx1-ubyte.gz"
    path.write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x00")
    assert "not a gzip file" in message(DatasetError, read_idx, path)


def test_read_idx_whose_dims_overflow_64_bits_is_a_size_mismatch_not_a_crash(tmp_path):
    # 2**31 * 2**31 * 4 = 2**64: the byte count must not wrap around to 0
    path = tmp_path / "huge-idx3-ubyte"
    path.write_bytes(b"\x00\x00\x08\x03" + (2 ** 31).to_bytes(4, "big") * 2 + (4).to_bytes(4, "big"))
    msg = message(DatasetError, read_idx, path)
    assert "truncated data" in msg and str(2 ** 64) in msg


def test_read_idx_of_zero_items_with_impossibly_large_sides_names_the_dims(tmp_path):
    path = tmp_path / "empty-idx3-ubyte"
    path.write_bytes(b"\x00\x00\x08\x03" + (0).to_bytes(4, "big") + (2 ** 32 - 1).to_bytes(4, "big") * 2)
    msg = message(DatasetError, read_idx, path)
    assert str(path) in msg and "too large" in msg and "(0, 4294967295, 4294967295)" in msg


def test_read_idx_of_a_directory_names_it(tmp_path):
    assert str(tmp_path) in message(DatasetError, read_idx, tmp_path)
