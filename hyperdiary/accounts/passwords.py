"""Password strength: zxcvbn, which estimates how many guesses a cracking tool needs (dictionaries,
names, keyboard patterns, dates, l33t, repeats) and gives the reason a password is weak.

A password is refused below score 3 ("safely unguessable: moderate protection from offline slow-hash
scenario", about 10^8 guesses), with the user's own words (username, email and its parts, names) counted
as guessable. Of a longer password zxcvbn reads the first MAX_SCORED characters: its matching grows
faster than linearly with length, and a password that is strong in its first 72 characters stays so.
"""
import re

from zxcvbn import zxcvbn

MIN_LENGTH = 8
MIN_SCORE = 3
MAX_SCORED = 72


def user_words(*values) -> list[str]:
    """What zxcvbn should treat as the user's own words: each value and, for an email, its parts."""
    words = []
    for value in values:
        if isinstance(value, str) and value:
            words.append(value.lower())
            words += [part for part in re.split(r"[@._+-]", value.lower()) if len(part) >= 3]
    return words


def weakness(password: str, *own_words) -> str | None:
    """Why the password is too weak, in words a person can act on, or None when it is strong enough."""
    if len(password) < MIN_LENGTH:
        return f"Password must have at least {MIN_LENGTH} characters."
    result = zxcvbn(password[:MAX_SCORED], user_inputs=user_words(*own_words))
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    reason = feedback.get("warning") or "It would be guessed quickly."
    advice = " ".join(feedback.get("suggestions") or ["Use a few uncommon words."])
    return f"Password is too easy to guess: {reason.rstrip('.')}. {advice}"
