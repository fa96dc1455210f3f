import pytest

from acucare.domain.errors import InputError
from acucare.domain.text import plain_text, search_text


def test_text_is_trimmed():
    assert plain_text("  Ada  ", "given_name", max_length=10) == "Ada"


@pytest.mark.parametrize(
    "value", ["A\x00b", "bell\x07", "esc\x1b[0m", "tab\tinside", "\u202eevil", "a\u2066b"]
)
def test_control_characters_are_refused_naming_the_field(value):
    with pytest.raises(InputError) as caught:
        plain_text(value, "given_name", max_length=100)
    assert caught.value.field == "given_name"
    assert "control character" in caught.value.message


def test_line_breaks_are_allowed_where_text_is_multiline():
    assert plain_text("1 Mill Lane\r\nDemo Town", "address", max_length=100, multiline=True)
    with pytest.raises(InputError):
        plain_text("1 Mill Lane\x00", "address", max_length=100, multiline=True)


def test_length_is_bounded():
    with pytest.raises(InputError) as caught:
        plain_text("x" * 11, "given_name", max_length=10)
    assert caught.value.allowed == {"min": 0, "max": 10}


def test_non_text_is_refused():
    with pytest.raises(InputError):
        plain_text(42, "given_name", max_length=10)


def test_search_text_drops_control_characters():
    assert search_text(" smi\x00th ") == "smith"
    assert len(search_text("x" * 500)) == 100


def test_scripts_that_need_joiners_keep_them():
    # Persian uses the zero-width non-joiner inside words.
    assert plain_text("\u0645\u06cc\u200c\u062e\u0648\u0627\u0645", "given_name", max_length=20)
    assert plain_text("Zoë Ørsted-Nguyễn", "family_name", max_length=40)
