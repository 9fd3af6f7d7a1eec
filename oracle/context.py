"""What a command works with: settings, database engine, keys, chain client — each made on first use."""

from __future__ import annotations

from functools import cached_property

from oracle.config import Settings
from oracle.errors import ConfigError


class Context:
    def __init__(self, settings: Settings):
        self.settings = settings

    @cached_property
    def database_url(self) -> str:
        if self.settings.database_url:
            return self.settings.database_url
        from oracle.embedded import postgres_url_if_running

        url = postgres_url_if_running(self.settings)
        if url is None:
            raise ConfigError(
                f"the embedded PostgreSQL of {self.settings.home} is not running: run `oracle up` (or set DATABASE_URL)"
            )
        return url

    @cached_property
    def engine(self):
        from oracle.db.session import make_engine

        return make_engine(self.database_url)

    @cached_property
    def keyring(self):
        from oracle.keystore import Keyring

        return Keyring(self.settings)

    @cached_property
    def chain(self):
        from oracle.chain.client import ChainClient

        if self.settings.embedded_chain:
            from oracle.embedded import anvil_running

            if not anvil_running(self.settings):
                raise ConfigError(
                    f"the embedded chain of {self.settings.home} is not running: run `oracle up` (or set LEC_RPC_URL)"
                )
        return ChainClient.from_manifest_file(
            self.settings.effective_rpc_url,
            self.settings.effective_chain_id,
            self.settings.manifest_path,
            self.keyring,
            instant_mining=self.settings.embedded_chain,
        )

    @cached_property
    def cipher(self):
        """The personal-data cipher; a key that is not the database's is refused here, before any use."""
        from oracle.data_keys import open_cipher

        return open_cipher(self)

    def session(self):
        from oracle.db.session import session_scope

        return session_scope(self.engine)
