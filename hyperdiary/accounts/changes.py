"""What a `PATCH` of a user may change beyond the profile, and who may (API.md §3, §8).

- `is_active` is an admin's to change (deactivating ends every sign-in; accounts.set_active). Anyone
  else may send the representation's value back unchanged; a change is a 403 naming it. The last active
  admin does not deactivate their own account (a server with no active admin is locked for good); an admin
  with an active colleague may.
- `username` and `role` never change through the API: a different value is a 400 naming the field,
  never a silent 200. (A role decides which records exist for a user, a client's diary for instance,
  and who may see them; a person who needs another role gets a new account.) The same value, as in a
  representation sent back, is no change.
"""
from ..errors import Refused, ValidationFailure, problem
from . import last_active_admin
from .models import Role

LAST_ADMIN = "You are the last active admin: make another admin first, or nobody could manage this server."

FIXED = {
    "username": "A username cannot change.",
    "role": "A user's role cannot change: an admin creates a new user with the other role.",
}


def check(request, user, data: dict):
    found = [problem(name, message) for name, message in FIXED.items()
             if name in data and data[name] != getattr(user, name)]
    if found:
        raise ValidationFailure("Invalid JSON input", found)
    for name in FIXED:
        data.pop(name, None)
    if "is_active" in data and data["is_active"] != user.is_active:
        if request.user.role != Role.ADMIN:
            raise Refused("Only an admin activates or deactivates an account.", [problem("is_active", "Admins only.")])
        if request.user.id == user.id and last_active_admin(request.dbsession, user.id):
            raise ValidationFailure("Invalid JSON input", [problem("is_active", LAST_ADMIN)])
    elif "is_active" in data:
        del data["is_active"]
