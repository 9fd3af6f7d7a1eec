"""The one error a user can cause (a bad key file, a wrong option, a missing passphrase): printed as a sentence."""


class NetworkError(Exception):
    """A problem the operator can fix; the message is a sentence that says what and how."""
