"""The transparency log's public API: signed checkpoint, inclusion and consistency proofs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from archive import CanonicalisationError, ObjectNotFoundError, parse_address
from archive.log import TOMBSTONE, find_leaf, tombstone_reason
from archive.merkle import EMPTY_ROOT
from archive.proofs import consistency_proof, inclusion_proof
from web.app import error_response
from web.views import runtime

log_api = Blueprint("log_api", __name__, url_prefix="/api/v1/log")


def _no_store(response: Response, seconds: int = 0) -> Response:
    # A checkpoint changes with every letter; proofs are tied to the checkpoint they carry.
    response.headers["Cache-Control"] = f"public, max-age={seconds}" if seconds else "no-cache"
    return response


@log_api.get("/checkpoint")
def checkpoint() -> Response:
    """Answer with the log's current signed checkpoint (C2SP signed note, text/plain)."""
    rt = runtime()
    with rt.session() as session:
        signed = rt.archive.checkpoint(session)
    response = Response(signed.note, mimetype="text/plain")
    response.headers["X-Log-Verifier-Key"] = str(rt.archive.verifier)
    return _no_store(response)


@log_api.get("/key")
def verifier_key() -> Response:
    """Answer with the note verifier key that checks the log's checkpoints."""
    return _no_store(Response(str(runtime().archive.verifier) + "\n", mimetype="text/plain"), 3600)


@log_api.get("/proof/<hash_>")
def proof(hash_: str) -> Response:
    """Answer with the inclusion proof of a letter's leaf; a withdrawn letter answers 451."""
    try:
        hex_address = parse_address(hash_)
    except CanonicalisationError:
        return error_response(400, "bad_hash", "expected a sha256 hex digest")
    rt = runtime()
    with rt.session() as session:
        try:
            letter = inclusion_proof(session, rt.archive, hex_address)
        except ObjectNotFoundError:
            return error_response(404, "not_found", "no letter with that hash is in the log")
        tombstone = find_leaf(session, hex_address, TOMBSTONE)
        if tombstone is None:
            return _no_store(jsonify(letter.to_json()))
        # The text is gone but the hash and its place in the log stay provable: the 451
        # carries both proofs, so anyone can check the letter was enshrined and withdrawn.
        withdrawal = inclusion_proof(session, rt.archive, hex_address, TOMBSTONE)
        reason = tombstone_reason(tombstone)
    body: dict[str, Any] = {"proof": letter.to_json(), "tombstone": withdrawal.to_json()}
    return error_response(
        451, "withdrawn", f"withdrawn by the operator ({reason})", reason=reason, **body
    )


@log_api.get("/consistency")
def consistency() -> Response:
    """Answer with the proof that the log of `first` leaves is a prefix of `second`."""
    try:
        first = int(request.args.get("first", ""))
        second = int(request.args.get("second", ""))
    except ValueError:
        return error_response(400, "bad_size", "first and second are tree sizes (integers)")
    rt = runtime()
    with rt.session() as session:
        signed = rt.archive.checkpoint(session)
        if not 0 <= first <= second <= signed.checkpoint.size:
            return error_response(
                400, "bad_size", f"need 0 <= first <= second <= {signed.checkpoint.size}"
            )
        path = [] if first in (0, second) else consistency_proof(session, rt.archive, first, second)
    return _no_store(
        jsonify(
            {
                "first": first,
                "second": second,
                "consistency_path": [node.hex() for node in path],
                "checkpoint": signed.note,
                "empty_root": EMPTY_ROOT.hex(),
            }
        )
    )
