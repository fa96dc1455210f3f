"""Writes to accounts, one module per concern: users and roles (`users`), clinic settings
(`clinic`), practitioner credentials (`credentials`), two-factor enrolment (`two_factor`),
sign-in bookkeeping (`sign_in`) and API tokens (`api_tokens`). Each service is atomic,
keyword-only, takes the acting user and appends exactly one audit event. Callers import the
services from this package."""

from acucare.accounts.services.api_tokens import api_token_create, api_token_revoke
from acucare.accounts.services.clinic import clinic_update
from acucare.accounts.services.credentials import (
    GUARDED_FIELDS,
    Credentials,
    credentials_verify,
    profile_update,
)
from acucare.accounts.services.sign_in import (
    SignInAttempt,
    logged_out,
    login_attempt_passed,
    login_attempt_start,
    login_failed,
    login_refused_locked,
    login_succeeded,
)
from acucare.accounts.services.two_factor import totp_enrol, totp_verify, user_reset_two_factor
from acucare.accounts.services.users import (
    password_change,
    user_change_role,
    user_clear_sign_in_lock,
    user_create,
    user_set_active,
    user_set_password,
)

__all__ = [
    "GUARDED_FIELDS",
    "Credentials",
    "SignInAttempt",
    "api_token_create",
    "api_token_revoke",
    "clinic_update",
    "credentials_verify",
    "logged_out",
    "login_attempt_passed",
    "login_attempt_start",
    "login_failed",
    "login_refused_locked",
    "login_succeeded",
    "password_change",
    "profile_update",
    "totp_enrol",
    "totp_verify",
    "user_change_role",
    "user_clear_sign_in_lock",
    "user_create",
    "user_reset_two_factor",
    "user_set_active",
    "user_set_password",
]
