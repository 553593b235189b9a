"""`misskissing archive`: export, verify, withdraw and import the permanent archive."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any

import click
from sqlmodel import select

from archive import ArchiveError, CanonicalisationError, ObjectNotFoundError, WithdrawnError
from archive.bag import export_bag, import_bag
from archive.canonical import ADDRESS_PREFIX, parse_address
from archive.checkpoint import CheckpointError, NoteVerifier
from archive.log import tree_size
from archive.service import WITHDRAWAL_REASONS
from archive.verify import VerifyReport, verify_bag, verify_live
from misskissing.journey import rebuild_wall
from misskissing.migrate import upgrade_database
from misskissing.models import AuditEvent, Letter, Visibility
from misskissing.runtime import Runtime, get_runtime


def _runtime() -> Runtime:
    runtime = get_runtime()
    upgrade_database(runtime.engine)
    return runtime


def _progress_bar(total: int, description: str) -> Any:
    """Return a tqdm bar on a terminal, a silent stand-in otherwise."""
    from tqdm import tqdm

    return tqdm(
        total=total, desc=description, unit="leaf", disable=not sys.stderr.isatty(), leave=False
    )


def _interactive() -> bool:
    """Tell whether a person is at the terminal (then destructive commands ask first)."""
    return sys.stdin.isatty()


def _operator() -> str:
    # Audit needs a name for whoever ran the command; the OS user is what we have here.
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _print_report(report: VerifyReport, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.summary(), indent=2))
        return
    for problem in report.problems:
        click.echo(f"PROBLEM {problem}", err=True)
    state = "OK" if report.ok else f"FAILED ({len(report.problems)} problems)"
    click.echo(
        f"{state}: {report.tree_size} leaves, {report.letters} letters "
        f"({report.withdrawn} withdrawn), {report.bodies_checked} bodies re-hashed, "
        f"root {report.root.hex()}"
    )


@click.group()
def archive() -> None:
    """Export, verify, import and withdraw from the permanent archive."""


@archive.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_command(directory: Path) -> None:
    """Write the archive as a BagIt bag at DIRECTORY (which must not exist or be empty)."""
    runtime = _runtime()
    with runtime.session() as session:
        size = tree_size(session)
        with _progress_bar(size, "export") as bar:
            try:
                result = export_bag(session, runtime.archive, directory, progress=bar.update)
            except ArchiveError as exc:
                raise click.ClickException(str(exc)) from exc
    click.echo(
        f"exported {result.tree_size} leaves ({result.bodies} bodies, "
        f"{result.withdrawn} withdrawn) to {result.path}; root {result.root.hex()}"
    )


@archive.command("verify")
@click.argument(
    "directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--key",
    "key_text",
    help="The log's published verifier key (name+id+key); default: the bag's own key.",
)
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A published signed checkpoint the bag must agree with.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
def verify_command(
    directory: Path | None, key_text: str | None, checkpoint_file: Path | None, as_json: bool
) -> None:
    """Re-hash every body and leaf of the live archive, or of the bag at DIRECTORY.

    Exits with status 1 if anything does not match.
    """
    verifier = None
    if key_text:
        try:
            verifier = NoteVerifier.parse(key_text)
        except CheckpointError as exc:
            raise click.BadParameter(str(exc), param_hint="--key") from exc
    if directory is not None:
        published = checkpoint_file.read_text("utf-8") if checkpoint_file else None
        report = verify_bag(directory, verifier, published)
    else:
        runtime = _runtime()
        with runtime.session() as session:
            size = tree_size(session)
            with _progress_bar(size, "verify") as bar:
                report = verify_live(session, runtime.archive, progress=bar.update)
    _print_report(report, as_json)
    if not report.ok:
        sys.exit(1)


@archive.command("withdraw")
@click.argument("hash_", metavar="HASH")
@click.option(
    "--reason",
    required=True,
    type=click.Choice(WITHDRAWAL_REASONS),
    help="The public reason code, shown with the 451 answer.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def withdraw_command(hash_: str, reason: str, yes: bool) -> None:
    """Withdraw the letter at HASH for legal reasons: tombstone it and delete its body.

    HASH is bare hex or sha256:<hex>. The hash keeps its place in the log, so every proof
    stays valid; the letter's page and API answer 451 with the reason code.
    """
    try:
        hex_address = parse_address(hash_)
    except CanonicalisationError as exc:
        raise click.BadParameter(str(exc), param_hint="HASH") from exc
    if not yes and _interactive():
        click.confirm(
            f"Withdraw {ADDRESS_PREFIX}{hex_address} for reason '{reason}'? "
            "Its text is deleted for good.",
            abort=True,
        )
    runtime = _runtime()
    try:
        with runtime.session() as session:
            withdrawal = runtime.archive.withdraw(session, hex_address, reason)
            letter = session.get(Letter, hex_address)
            if letter is not None:
                letter.visibility = Visibility.WITHDRAWN
                letter.withdrawn_reason = reason
                session.add(letter)
            session.add(
                AuditEvent(
                    actor=_operator(),
                    action="archive.withdraw",
                    subject=ADDRESS_PREFIX + hex_address,
                    detail={
                        "reason": reason,
                        "letter_sequence": withdrawal.letter_sequence,
                        "tombstone_sequence": withdrawal.tombstone_sequence,
                    },
                )
            )
    except ObjectNotFoundError as exc:
        raise click.ClickException(f"no archived letter at {ADDRESS_PREFIX}{hex_address}") from exc
    except WithdrawnError as exc:
        raise click.ClickException(f"already withdrawn ({exc.reason})") from exc
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    # Only after the commit: a failed transaction must never leave a letter without bytes.
    removed = runtime.archive.purge_withdrawn_blob(hex_address)
    click.echo(
        f"withdrew {ADDRESS_PREFIX}{hex_address} ({reason}): tombstone at leaf "
        f"{withdrawal.tombstone_sequence}, body {'deleted' if removed else 'already absent'}"
    )


@archive.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--key", "key_text", help="The exporting log's verifier key, to check the bag.")
def import_command(directory: Path, key_text: str | None) -> None:
    """Re-create the log and bodies of the bag at DIRECTORY in this empty installation."""
    verifier = NoteVerifier.parse(key_text) if key_text else None
    report = verify_bag(directory, verifier)
    if not report.ok:
        _print_report(report, as_json=False)
        raise click.ClickException("the bag does not verify; nothing was imported")
    runtime = _runtime()
    try:
        with runtime.session() as session:
            if session.exec(select(Letter).limit(1)).first() is not None:
                raise ArchiveError("import needs an empty installation; the wall has letters")
            checkpoint = import_bag(session, runtime.archive, directory)
            on_wall = rebuild_wall(session)
    except (ArchiveError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"imported {checkpoint.size} leaves ({on_wall} letters on the wall); "
        f"root {checkpoint.root.hex()}"
    )
