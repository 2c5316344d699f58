"""The document meter and HTTP content negotiation as plain functions (no database)."""

import pytest
from graphql import parse, specified_rules

from api.graphql.transport import GRAPHQL_RESPONSE, JSON, HTTPProblem, negotiate
from schema import schema
from schema.limits import Limits, check_document

LIMITS = Limits(max_depth=10, max_aliases=30, max_cost=20_000, max_mutations=5)


def problems(document: str, variables: dict[str, object] | None = None) -> dict[str, int]:
    errors = check_document(schema._schema, parse(document), variables, LIMITS)
    return {e.extensions["limit"]: e.extensions["actual"] for e in errors}  # type: ignore[index]


def cost(document: str, variables: dict[str, object] | None = None) -> int:
    tight = Limits(max_cost=0, max_depth=99, max_aliases=999, max_mutations=99)
    errors = check_document(schema._schema, parse(document), variables, tight)
    return int(errors[0].extensions["actual"]) if errors else 0  # type: ignore[index]


def test_each_field_costs_one_and_first_multiplies_its_subtree() -> None:
    assert cost("{ me { subject } }") == 2
    # products 1 + 10 x (edges 1 + node 1 + id 1 + name 1)
    assert cost("{ products(first: 10) { edges { node { id name } } } }") == 41
    # without `first` a connection counts as a page of 20
    assert cost("{ products { edges { node { id } } } }") == 1 + 20 * 3
    # `first` above the page limit counts as the page limit (the resolver refuses it)
    assert cost("{ products(first: 5000) { totalCount } }") == 1 + 100
    # from variables, and the schema's own default (manufacturers: first = 100)
    assert cost("query($n: Int) { products(first: $n) { totalCount } }", {"n": 7}) == 8
    assert cost("{ manufacturers { id } }") == 1 + 100


def test_fragments_are_expanded_and_measured_once() -> None:
    document = """
    { products(first: 10) { edges { ...E } } }
    fragment E on ProductEdge { node { ...P } }
    fragment P on Product { id name manufacturer { products(first: 2) { id } } }
    """
    assert cost(document) == 1 + 10 * (1 + 1 + 2 + 1 + (1 + 2 * 1))
    levels = 60  # 2**60 fields once expanded; measured in linear time
    bomb = "{ ...F0 }\n" + "\n".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    bomb += f"\nfragment F{levels} on Query {{ a: __typename }}"
    assert problems(bomb) == {"aliases": 2**levels}


def test_depth_aliases_and_mutations() -> None:
    deep = "{ " + "manufacturers { products(first: 1) { " * 5 + "id" + " } }" * 5 + " }"
    assert problems(deep)["depth"] == 11
    aliased = "{ " + " ".join(f"a{i}: me {{ subject }}" for i in range(31)) + " }"
    assert problems(aliased) == {"aliases": 31}
    fields = " ".join(
        f'm{i}: vetPartner(input: {{organisationId: "x"}}) {{ __typename }}' for i in range(6)
    )
    via_fragment = f"mutation {{ ...M }} fragment M on Mutation {{ {fields} }}"
    assert problems(via_fragment) == {"mutations": 6}
    cyclic = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A me { subject } }"
    assert problems(cyclic) == {}  # left to the validation rules, which name the cycle


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, application/json", JSON),
        ("text/html, */*;q=0.8", JSON),
        ("application/*", JSON),
    ],
)
def test_negotiation(accept: str | None, chosen: str) -> None:
    assert negotiate(accept) == chosen


@pytest.mark.parametrize("accept", ["text/html", "application/xml", f"{GRAPHQL_RESPONSE};q=0"])
def test_unacceptable_types_are_406(accept: str) -> None:
    with pytest.raises(HTTPProblem) as refused:
        negotiate(accept)
    assert refused.value.status == 406


async def test_nesting_past_the_parser_limit_is_a_parse_failure() -> None:
    """Nesting is bounded before any walk over the document: the parser refuses it."""
    deep = "{ " + "me { " * 600 + "subject" + " }" * 600 + " }"
    result = await schema.execute(deep)
    assert result.data is None and result.errors
    assert [e.extensions["code"] for e in result.errors] == ["GRAPHQL_PARSE_FAILED"]  # type: ignore[index]
    assert "nested too deeply" in result.errors[0].message


def test_a_kept_measure_belongs_to_its_variables() -> None:
    """Measures are kept per (query, variables, limit): the same query with another page size
    costs what that page size costs, every time."""
    from schema.document import query_cost

    query = "query($n: Int) { products(first: $n) { edges { node { id name } } } }"
    small = query_cost(schema._schema, query, {"n": 2}, 100)
    large = query_cost(schema._schema, query, {"n": 50}, 100)
    assert large > small
    assert query_cost(schema._schema, query, {"n": 2}, 100) == small
    assert query_cost(schema._schema, query, {"n": 50}, 100) == large
    assert query_cost(schema._schema, query, {"n": 2}, 10) == small  # under the limit


def test_a_measure_is_kept_across_the_variables_it_does_not_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only the page-size variables decide a measure: requests that differ in any other
    variable (a search text, a quote's idempotency key) share one; a page size missing and a
    page size given as null are measured apart (the schema's default against 20)."""
    import schema.document as documents

    walks: list[object] = []
    measure = documents.measure_document
    monkeypatch.setattr(documents, "measure_document", lambda *a: walks.append(a) or measure(*a))
    query = (
        "query($n: Int, $q: String!) { manufacturers(first: $n) { id }"
        " search(query: $q) { totalCount } }"
    )
    costs = [
        documents.query_cost(schema._schema, query, {"n": 3, "q": text}, 100)
        for text in ("drone", "boat", "radar")
    ]
    assert len(walks) == 1 and costs == [costs[0]] * 3
    without = documents.query_cost(schema._schema, query, {"q": "drone"}, 100)
    null = documents.query_cost(schema._schema, query, {"n": None, "q": "drone"}, 100)
    assert len(walks) == 3
    assert without == cost(query, {"q": "drone"}) and null == cost(query, {"n": None, "q": "x"})
    assert without != null != costs[0]


def test_a_document_is_validated_once_and_its_errors_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept by the parsed tree's identity: the same tree is not validated (nor hashed) again,
    a tree parsed afresh from the same text is validated on its own."""
    from schema import limits

    calls: list[object] = []
    real = limits.validate_document

    def counting(*args: object) -> object:
        calls.append(args[1])
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(limits, "validate_document", counting)
    monkeypatch.setattr(limits, "_VALIDATED", limits.KeptByIdentity(512))
    rules = tuple(specified_rules)
    wrong = parse("{ products(first: 1) { edges { node { nope } } } }")
    first = limits.validation_errors(schema._schema, wrong, rules)
    again = limits.validation_errors(schema._schema, wrong, rules)
    assert [e.message for e in first] == [e.message for e in again]
    assert "Cannot query field 'nope'" in first[0].message
    assert len(calls) == 1
    afresh = parse("{ products(first: 1) { edges { node { nope } } } }")
    assert afresh == wrong and afresh is not wrong
    limits.validation_errors(schema._schema, afresh, rules)
    assert calls == [wrong, afresh]
