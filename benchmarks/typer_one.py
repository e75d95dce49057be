"""A one-command typer app: the start-up floor that `triage --version` is measured against."""

import typer

app = typer.Typer()


@app.command()
def main(version: bool = typer.Option(False, "--version")) -> None:
    if version:
        print("one 1.0")


if __name__ == "__main__":
    app()
