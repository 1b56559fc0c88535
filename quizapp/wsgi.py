"""WSGI entry for production servers: `gunicorn 'quizapp.wsgi:app'`."""

from quizapp import create_app

app = create_app(production=True)
