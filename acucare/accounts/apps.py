from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "acucare.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
