"""The `raw` floor for search: the sql backend's one statement (visible matches found once,
ranked for the page with the hits' display columns, counted for every facet with the
manufacturers' names), run per request through the plain driver.

Writing the typo expansion and ranking by hand again would only copy search/sql.py, so the
statement is the one that backend sends, captured from its first run for a caller and query;
the floor then leaves out what is planned per request (the typo expansion's vocabulary lookup,
the statement's construction and compilation, the highlights) and keeps the one round trip
that any search must make.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from starlette.requests import Request

from catalog.core.db import Database
from catalog.core.ids import to_global_id
from catalog.core.principal import Principal
from search.backend import MAX_FACET_VALUES, SearchQuery
from search.sql import SqlSearch


@dataclass(frozen=True, slots=True)
class Plan:
    sql: str
    args: tuple[Any, ...]
    query: SearchQuery


class RawSearch:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.backend = SqlSearch(db)
        self.plans: dict[tuple[str, bytes], Plan] = {}

    async def plan(self, principal: Principal, query: SearchQuery) -> Plan:
        captured: list[tuple[str, Any]] = []

        def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
            captured.append((statement, params))

        engine = self.db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", capture)
        try:
            await self.backend.search(principal, query)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        ranking = [(s, p) for s, p in captured if "MATERIALIZED" in s]
        if len(ranking) != 1:
            raise RuntimeError("the sql backend's ranking statement was not found")
        sql, params = ranking[0]
        return Plan(sql, tuple(params or ()), query)

    async def answer(
        self, request: Request, caller: str, principal_of: Any, fetch: Any
    ) -> dict[str, Any]:
        body = await request.body()
        key = (caller, body)
        plan = self.plans.get(key)
        if plan is None:
            data = await request.json()
            query = SearchQuery(data["query"], facets=tuple(data["facets"]), first=data["first"])
            plan = self.plans[key] = await self.plan(await principal_of(request), query)
        return connection(await fetch(plan.sql, plan.args), plan.query)


def connection(rows: list[Any], query: SearchQuery) -> dict[str, Any]:
    """Rows of (kind, id, score, facet, value, n, display columns…) as the search field's
    selection."""
    hits = sorted((r for r in rows if r[0] == "hit"), key=lambda r: r[5])[: query.first]
    total = 0
    values: dict[str, list[tuple[int, str]]] = {name: [] for name in query.facets}
    for kind, _id, _score, facet, value, n, *_ in rows:
        if kind != "count":
            continue
        if facet == "":
            total = int(n)
        elif value is not None:
            shown = str(uuid.UUID(str(value))) if facet == "manufacturer" else str(value)
            values[facet].append((int(n), shown))
    facets = []
    for name in query.facets:
        ordered = sorted(values[name], key=lambda v: (-v[0], v[1]))[:MAX_FACET_VALUES]
        facets.append(
            {
                "name": name,
                "values": [
                    {"value": _facet_value(name, value), "count": count} for count, value in ordered
                ],
            }
        )
    edges = [{"node": {"id": to_global_id("Product", uuid.UUID(str(h[1])))}} for h in hits]
    return {"totalCount": total, "edges": edges, "facets": facets}


def _facet_value(facet: str, value: str) -> str:
    return to_global_id("Manufacturer", value) if facet == "manufacturer" else value
