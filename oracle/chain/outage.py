"""The chain going away in the middle of a command that sends transactions, said in one sentence.

web3's HTTP provider raises requests' ConnectionError (the node refuses or drops the connection) or Timeout (it
stopped answering). Every transaction the oracle sends is recorded with its hash before its receipt is awaited
(oracle/chain/transactions.py), so a command stopped there loses nothing: run again once the chain answers, it asks
the chain what was mined and goes on from there.
"""

from __future__ import annotations

import requests

from oracle.errors import EnvironmentProblem

CHAIN_DOWN = (requests.ConnectionError, requests.Timeout)


def chain_stopped_answering(rpc_url: str, exc: BaseException, during: str) -> EnvironmentProblem:
    """The sentence for a chain that stopped answering `during` something (e.g. "the pay step of epoch 3 of 'X'")."""
    from oracle.outages import connection_reason

    return EnvironmentProblem(
        f"the chain at {rpc_url} stopped answering during {during} ({connection_reason(exc)}); "
        "what was sent is recorded: run the same command again once the chain answers"
    )
