"""Which account plays which role on the active brownie network.

On a development chain (anvil) without LEC_DEPLOYER_KEYSTORE the unlocked test accounts play the
roles: 0 platform admin (deployer), 1 oracle admin, 2 oracle (commits), 3 community admin, 4 token
admin, and a fresh account of the session pays rewards (the payer must not be the committer).
Otherwise (a live chain such as besu-local, or the oracle's own home chain) the deployer is an encrypted keystore — LEC_DEPLOYER_KEYSTORE (path)
unlocked with LEC_DEPLOYER_PASSWORD from the environment — and the other roles are addresses from
LEC_ORACLE_ADMIN_ADDRESS, LEC_ORACLE_ADDRESS, LEC_REWARD_PAYER_ADDRESS, LEC_COMMUNITY_ADMIN_ADDRESS,
LEC_TOKEN_ADMIN_ADDRESS (each defaults to the deployer, except the payer, which is required).
Keys never appear in files of the repository or on a command line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from brownie import accounts, network


class RoleConfigError(RuntimeError):
    pass


@dataclass
class RoleAccounts:
    platform_admin: object  # a brownie account that signs
    oracle_admin: str
    oracle: str
    community_admin: str
    token_admin: str
    reward_payer: str

    def as_manifest(self) -> dict:
        return {
            "platformAdmin": self.platform_admin.address,
            "oracleAdmin": str(self.oracle_admin),
            "oracle": str(self.oracle),
            "rewardPayer": str(self.reward_payer),
            "communityAdmin": str(self.community_admin),
            "tokenAdmin": str(self.token_admin),
        }


def is_development() -> bool:
    return network.show_active() in ("development", "lec-test", "lec-dev", "anvil") or (
        network.is_connected() and network.chain.id == 31337
    )


def role_accounts() -> RoleAccounts:
    if is_development() and not os.environ.get("LEC_DEPLOYER_KEYSTORE"):
        payer = os.environ.get("LEC_REWARD_PAYER_ADDRESS") or accounts.add().address
        return RoleAccounts(
            accounts[0], accounts[1].address, accounts[2].address, accounts[3].address, accounts[4].address, payer
        )
    keystore = os.environ.get("LEC_DEPLOYER_KEYSTORE")
    password = os.environ.get("LEC_DEPLOYER_PASSWORD")
    if not keystore or password is None:
        raise RoleConfigError(
            "live network: set LEC_DEPLOYER_KEYSTORE (path to an encrypted keystore) and LEC_DEPLOYER_PASSWORD"
        )
    deployer = accounts.load(keystore, password=password)

    def addr(var: str) -> str:
        return os.environ.get(var, deployer.address)

    payer = os.environ.get("LEC_REWARD_PAYER_ADDRESS")
    if not payer:
        raise RoleConfigError(
            "live network: set LEC_REWARD_PAYER_ADDRESS (the account that pushes rewards; it must "
            "not be the oracle's committing account)"
        )
    return RoleAccounts(
        deployer,
        addr("LEC_ORACLE_ADMIN_ADDRESS"),
        addr("LEC_ORACLE_ADDRESS"),
        addr("LEC_COMMUNITY_ADMIN_ADDRESS"),
        addr("LEC_TOKEN_ADMIN_ADDRESS"),
        payer,
    )
