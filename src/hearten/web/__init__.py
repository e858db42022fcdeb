"""The Django project: settings, URLs, sign-in and the participant-facing pages."""
