"""The LEC oracle: meter data in PostgreSQL -> public reward models -> Merkle commitment and payment on-chain."""
