"""Clients (the people who keep a diary), their caseloads of professionals, and their export: the resource
every client-owned record kind hangs below."""


def add_client_fact(config, name: str, fact):
    """Read `fact(the client's id column)` (an SQL expression) with the client in the request's lineage, under
    `name`: `request.lineage.fact(Client, client_id, name)` (hyperdiary/lineage.py)."""
    from .resources import ClientResource

    ClientResource.facts = dict(ClientResource.facts, **{name: fact})


def includeme(config):
    from ..resources.audit import ClientAudit
    from ..resources.root import Root
    from ..security import Permissions
    from .resources import ClientResource, Clients
    from .views import add_caseload_column

    config.add_directive("add_caseload_column", add_caseload_column)
    config.add_directive("add_client_fact", add_client_fact)

    config.add_child(Root, "clients", Clients)
    config.add_root_link("clients", "clients", permission=Permissions.CLIENTS_LIST, signed_in=True)
    config.add_child(ClientResource, "audit", ClientAudit)
    config.scan(".views")
    config.scan(".professionals")
    config.scan(".export")
    config.include(".activity")
