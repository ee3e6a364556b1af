"""security.allowed, which a representation asks about each of its links, answers as Pyramid's ACL rule does
(what secures the views): for every caller, permission and place along lineages of ACLs of each form the
resources use (none, empty, a tuple, a property, a generator, Deny, ALL_PERMISSIONS, several permissions)."""
import itertools
from types import SimpleNamespace

from pyramid.authorization import ACLHelper, ALL_PERMISSIONS, DENY_ALL, Allow, Authenticated, Deny, Everyone

from hyperdiary.security import ADMIN, PROFESSIONAL, Identity, Permissions, SecurityPolicy, allowed, user_principal

CALLERS = [None, Identity("pat", "professional", "pat"), Identity("carol", "client", "carol"),
           Identity("root", "admin", "root")]


class Place:
    def __init__(self, parent, acl=None):
        self.__parent__ = parent
        if acl is not None:
            self.__acl__ = acl


class Generated(Place):
    @property
    def __acl__(self):
        yield (Allow, user_principal("carol"), (Permissions.VIEW, Permissions.DIARY_WRITE))
        yield (Allow, user_principal("pat"), Permissions.VIEW)


ACLS = [None, (), ((Allow, Everyone, Permissions.VIEW),), ((Allow, ADMIN, ALL_PERMISSIONS), DENY_ALL),
        ((Deny, user_principal("pat"), Permissions.FEEDBACK), (Allow, PROFESSIONAL, Permissions.FEEDBACK)),
        ((Allow, Authenticated, (Permissions.INVITATIONS, Permissions.MESSAGES)),), lambda: [(Deny, Everyone, Permissions.VIEW)]]


def lineages():
    for top, middle in itertools.product(ACLS, ACLS):
        root = Place(None, top)
        yield Place(root, middle)
        yield Generated(Place(root, middle))
        yield Place(Generated(root), middle)


def test_allowed_answers_as_pyramids_acl_helper():
    policy, helper, asked = SecurityPolicy(), ACLHelper(), 0
    for caller in CALLERS:
        request = SimpleNamespace(user=caller)
        principals = policy.effective_principals(request)
        for context in lineages():
            for permission in Permissions:
                assert allowed(request, permission, context) == bool(helper.permits(context, principals, permission))
                asked += 1
    assert asked > 1000


def test_a_caller_who_signs_in_is_asked_about_anew():
    request = SimpleNamespace(user=None)
    context = Place(None, ((Allow, Authenticated, Permissions.VIEW),))
    assert not allowed(request, Permissions.VIEW, context)
    request.user = CALLERS[1]
    assert allowed(request, Permissions.VIEW, context)
