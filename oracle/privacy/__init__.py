"""The right to be forgotten, and the rights of access and portability (GDPR articles 17, 15 and 20).

erasures   the erasure log (no personal data: the wallet and the reason only as SHA-256) and what it answers
people     whose data a wallet leads to: the person's memberships, in one community or in all
forget     forget_member: the person's personal data, devices, readings and salts erased in one transaction
export     export_member: everything the platform holds about the person, as JSON
requests   members' requests to be forgotten (the dApp), confirmed or rejected by an admin
"""
