import pytest

from archive import CanonicalisationError, canonical_bytes, content_address, parse_address
from archive.canonical import decode_canonical


def test_crlf_and_cr_become_lf():
    assert canonical_bytes("a\r\nb\rc\n") == b"a\nb\nc\n"


def test_text_is_nfc_normalised():
    assert canonical_bytes("e\u0301") == "\u00e9".encode()


def test_bom_is_dropped():
    assert canonical_bytes("\ufeffhello") == b"hello"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x0b", "\x0c"])
def test_control_characters_are_refused(char):
    with pytest.raises(CanonicalisationError):
        canonical_bytes(f"dear {char} you")


def test_tab_and_newline_are_kept():
    assert canonical_bytes("a\tb\nc") == b"a\tb\nc"


def test_lone_surrogate_is_refused():
    with pytest.raises(CanonicalisationError):
        canonical_bytes("bye \ud800")


def test_address_is_sha256_of_the_canonical_bytes():
    assert content_address(b"abc") == (
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


@pytest.mark.parametrize(
    "value",
    [
        "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    ],
)
def test_parse_address_accepts_bare_and_prefixed_hex(value):
    assert parse_address(value) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


@pytest.mark.parametrize("value", ["", "sha1:abc", "zz" * 32, "ab" * 31, "../" + "a" * 61])
def test_parse_address_refuses_anything_else(value):
    with pytest.raises(CanonicalisationError):
        parse_address(value)


def test_decode_canonical_refuses_non_canonical_bytes():
    assert decode_canonical(b"ok\n") == "ok\n"
    for data in (b"a\r\nb", "e\u0301".encode(), b"\xff", b"\xef\xbb\xbfbom"):
        with pytest.raises(CanonicalisationError):
            decode_canonical(data)
