"""A one-command typer app with an eager --version, as triage has: the start-up floor for `triage --version`."""

import typer

app = typer.Typer()


def _v(value: bool):
    if value:
        print("one 1.0")
        raise typer.Exit()


@app.command()
def main(version: bool = typer.Option(False, "--version", callback=_v, is_eager=True)) -> None:
    pass


if __name__ == "__main__":
    app()
