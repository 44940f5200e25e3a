"""Command-line commands of this part (registered by supervision.cli)."""
import click

from ..extensions import db


@click.group("letters")
def letters_group():
    """Opinion letters (行政执法监督意见书)."""


@letters_group.command("render")
@click.argument("letter_id", type=int)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, writable=True), help="输出文件")
@click.option("--format", "fmt", type=click.Choice(["pdf", "docx"]), default="pdf", show_default=True)
def render_command(letter_id, out_path, fmt):
    """Write letter LETTER_ID as PDF (the stored original once issued) or DOCX."""
    from ..fonts import FontError
    from . import queries
    from .errors import LetterError
    from .models import Letter

    letter = db.session.get(Letter, letter_id)
    if letter is None:
        raise click.ClickException(f"没有编号为 {letter_id} 的意见书。")
    try:
        data = queries.letter_pdf(letter) if fmt == "pdf" else queries.letter_docx(letter)
    except (LetterError, FontError) as exc:
        raise click.ClickException(str(exc)) from None
    with open(out_path, "wb") as fh:
        fh.write(data)
    click.echo(f"已写出 {letter.display_name}（{letter.unit.name}）→ {out_path}（{len(data)} 字节）")


def register(app):
    """Add this part's commands to app.cli."""
    app.cli.add_command(letters_group)
