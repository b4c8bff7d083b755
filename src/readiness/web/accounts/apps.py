from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "readiness.web.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
    default_auto_field = "django.db.models.BigAutoField"
