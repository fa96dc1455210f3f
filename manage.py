#!/usr/bin/env python
"""Django's command-line utility for acucare."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - load the settings: they check the environment
    except ImproperlyConfigured as error:
        # A configuration refusal is a message for the operator, not a traceback.
        sys.exit(str(error))
    execute_from_command_line(sys.argv)
