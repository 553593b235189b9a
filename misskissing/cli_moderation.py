"""`misskissing moderate` and `misskissing moderation eval`: the engine on the command line."""

from __future__ import annotations

import json
import logging
import sys
from typing import IO, Any

import click

from moderation import ModerationConfig, ModerationEngine, build_engine
from moderation.evaluate import LabelledLetter, evaluate, format_report


def config_from_env() -> ModerationConfig:
    """Build the moderation config from the environment, as the app does."""
    from misskissing.settings import Settings

    return Settings().moderation_config()


def _engine() -> ModerationEngine:
    if not logging.getLogger().handlers:
        # The engine says loudly on stderr when Detoxify is missing.
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
    return build_engine(config_from_env())


def _parse_line(raw: str, number: int) -> tuple[Any, str]:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from exc
    if not isinstance(obj, dict):
        raise ValueError('expected a JSON object with "id" and "text"')
    if "id" not in obj:
        raise ValueError('missing "id"')
    if not isinstance(obj.get("text"), str):
        raise ValueError('"text" must be a string')
    return obj["id"], obj["text"]


@click.command()
@click.argument("file", type=click.File("r", encoding="utf-8"), required=False)
def moderate(file: IO[str] | None) -> None:
    """Screen JSON lines {"id", "text"} (FILE or stdin); print one decision per line.

    A bad input line is reported on stderr with its line number and skipped; the other
    letters are still screened, and the command then exits with status 1.
    """
    source = file if file is not None else sys.stdin
    engine = _engine()
    bad = 0
    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        try:
            letter_id, text = _parse_line(raw, number)
        except ValueError as exc:
            bad += 1
            click.echo(f"misskissing moderate: line {number}: {exc}", err=True)
            continue
        decision = engine.screen(text)
        click.echo(json.dumps(decision.to_contract(letter_id), ensure_ascii=False))
        sys.stdout.flush()
    if bad:
        click.echo(f"misskissing moderate: {bad} line(s) skipped", err=True)
        sys.exit(1)


@click.group()
def moderation() -> None:
    """Evaluate and inspect the moderation engine."""


@moderation.command("eval")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--strict", is_flag=True, help="Exit 1 if an acceptance check fails.")
def eval_command(file: IO[str], strict: bool) -> None:
    """Screen labelled JSON lines and print precision/recall per category."""
    letters = []
    for number, raw in enumerate(file, start=1):
        if not raw.strip():
            continue
        try:
            letters.append(LabelledLetter.from_json(json.loads(raw)))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise click.ClickException(f"line {number}: not a labelled letter ({exc})") from exc
    engine = _engine()
    report = evaluate(letters, engine.screen)
    click.echo(f"model: {engine.model_name}")
    click.echo(format_report(report))
    if strict and not all(ok for ok, _ in report.checks().values()):
        sys.exit(1)


@moderation.command("health")
def health_command() -> None:
    """Load the models and print the engine's health as JSON."""
    click.echo(json.dumps(_engine().health(), indent=2))
