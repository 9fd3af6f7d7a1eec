"""What the dApp does, as plain functions over the oracle's Context (no Flask here): views call these."""
