"""Talking with the care team (API.md §14): a client's conversation with its professionals (`messages`),
feedback on every record of a client's kinds (`feedback`), and relatives who may look along (`relatives`,
the root's `invitations`, a user's `shared_with_me`). Everything here is the client's data: audited,
exported and erased with the client through the kind machinery, with no code of its own for that."""


def includeme(config):
    config.include(".messages")
    config.include(".feedback")
    config.include(".relatives")
    config.include(".described")
    config.include(".pages")
