from django.apps import AppConfig


class GuideConfig(AppConfig):
    name = "readiness.web.guide"
    label = "guide"
    verbose_name = "Response guide"
