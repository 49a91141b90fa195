"""Every table of the service, imported so that the metadata knows them all."""


def register_all() -> None:
    """Imports each domain's models (their import registers the tables)."""
    from mediation import outbox as _outbox  # noqa: F401
    from mediation.audit import models as _audit  # noqa: F401
    from mediation.case import models as _case  # noqa: F401
    from mediation.certificate import models as _certificate  # noqa: F401
    from mediation.contact import models as _contact  # noqa: F401
    from mediation.deadline import models as _deadline  # noqa: F401
    from mediation.imports import models as _imports  # noqa: F401
    from mediation.note import models as _note  # noqa: F401
    from mediation.office import models as _office  # noqa: F401
    from mediation.reference import models as _reference  # noqa: F401
    from mediation.retention import models as _retention  # noqa: F401
    from mediation.webhook import models as _webhook  # noqa: F401
