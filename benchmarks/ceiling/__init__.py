"""The ceiling for the answer pages: a bare Django application (see :mod:`.app`)."""
