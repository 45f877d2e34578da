"""``python -m neorealism`` runs the command line."""

from .cli import app

if __name__ == "__main__":  # pragma: no cover
    app(prog_name="neorealism")
