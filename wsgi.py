"""WSGI entry point: `flask --app wsgi ...`, or `waitress-serve --call wsgi:create_app` style servers use `app`."""
from supervision import create_app

app = create_app()
