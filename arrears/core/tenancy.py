"""Per-creditor isolation: every queryset that reaches a user passes through `visible_to`.

A model opts in by using ScopedQuerySet as its manager and naming the path to its creditor in
`creditor_scope` (e.g. "creditor" or "account__creditor"). Models reached through a many-valued
relation (a debtor with accounts at several creditors) are filtered through a subquery, so rows are
never duplicated.
"""

from django.db import models

from arrears.core.roles import VIEW


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, actor, action: str = VIEW):
        if actor is None or not getattr(actor, "is_authenticated", False) or not actor.may(action):
            return self.none()
        if actor.sees_all_creditors:
            return self
        path = self.model.creditor_scope
        creditor_ids = actor.creditor_ids()
        if not creditor_ids:
            return self.none()
        if getattr(self.model, "creditor_scope_many", False):
            inner = self.model._default_manager.filter(**{f"{path}__in": creditor_ids}).values("pk")
            return self.filter(pk__in=inner)
        return self.filter(**{f"{path}__in": creditor_ids})


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
