import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password


def test_argon2_is_the_password_hasher():
    from config import settings as project_settings

    assert (
        project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    )


def test_argon2_hashes_verify(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    encoded = make_password("a long enough passphrase")
    assert encoded.startswith("argon2$")
    assert check_password("a long enough passphrase", encoded)


@pytest.mark.parametrize("password", ["short", "password1234", "123456789012"])
def test_weak_passwords_are_rejected_when_creating_users(db, password):
    from acucare.accounts.services import user_create
    from acucare.domain.errors import InputError
    from tests.factories import actor, make_admin

    with pytest.raises(InputError) as caught:
        user_create(
            actor=actor(make_admin()), username="newperson", role="reception", password=password
        )
    assert caught.value.field == "password"
    assert settings.AUTH_PASSWORD_VALIDATORS
