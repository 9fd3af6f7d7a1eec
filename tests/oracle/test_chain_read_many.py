"""ChainClient.read_many answers as call_many does (checksummed addresses, structs as tuples, one output
unwrapped) without web3's per-call path, and reports a revert with the contract's error."""

import pytest

from oracle.chain.client import MemberInfo, TransactionFailed
from oracle.communities import get_community
from oracle.epochs.runner import run_epoch

from .builders import ANNA, END, START, quiet, small_community


def test_read_many_answers_as_call_many(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    run_epoch(ctx, name, START, END, log=quiet)
    chain, token = ctx.chain, get_community(ctx, name).token_address
    contract, factory, notary = chain.token(token), chain.factory, chain.notary
    asked = [
        (contract, "memberInfo", ANNA),
        (contract, "balanceOf", ANNA),
        (factory, "communities"),
        (factory, "communityByName", name),
        (notary, "epochCount", token),
        (notary, "getEpoch", token, 1),
        (notary, "isPaid", token, 1, 0),
        (contract, "membersActive", [ANNA]),
    ]
    expected = chain.call_many([getattr(c.functions, fn)(*args) for c, fn, *args in asked])
    answered = chain.read_many(asked)
    assert answered == [list(e) if isinstance(e, list) else e for e in expected]
    assert MemberInfo.decode(answered[0]).active
    assert answered[3] == token and token in answered[2]


def test_read_many_reports_the_contracts_error(ctx):
    count = ctx.chain.read_many([(ctx.chain.factory, "communityCount")])[0]
    with pytest.raises(TransactionFailed, match=f"communityAt: IndexOutOfRange\\({count + 5}, {count}\\)"):
        ctx.chain.read_many([(ctx.chain.factory, "communityAt", count + 5)])
    assert ctx.chain.read_many([]) == []
