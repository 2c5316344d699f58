"""search index: the countries each product has a release to that is not revoked

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 06:00:00.000000

A partner sees only products with a live release to its country, so the `sql` search backend
narrows the full-text matches to the products released to that country inside the index
before it reads any product row; the visibility predicate then decides on what is left.
SQLite keeps the pairs in `product_search_release` (country, FTS rowid), PostgreSQL in
`product_search.released_to`, indexed together with the document. Expiry is not recorded
(it changes with the clock, not with a write): the predicate checks it. Triggers keep both
current in the writing transaction, like the rest of the index (migration 0004).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_PAIR_GONE = """
    DELETE FROM product_search_release
    WHERE country = old.country
      AND doc_id = (SELECT doc_id FROM product_search WHERE product_id = old.product_id)
      AND NOT EXISTS (SELECT 1 FROM release WHERE product_id = old.product_id
                      AND country = old.country AND revoked_at IS NULL);"""

SQLITE_UP = [
    # Keyed by country first: a partner's pairs lie together, and the match's rowids (in
    # ascending order) probe them in order. The product id saves reading the wide index row.
    """
CREATE TABLE product_search_release (
    country VARCHAR(2) NOT NULL,
    doc_id INTEGER NOT NULL,
    product_id CHAR(32) NOT NULL,
    PRIMARY KEY (country, doc_id)
) WITHOUT ROWID""",
    # An index entry is re-created whenever its product changes (a new doc_id). Its pairs are
    # found through every country code (a second index by doc_id would be the one SQLite
    # picks for the search's probes, which are faster within one country).
    """
CREATE TRIGGER product_search_release_doc_ai AFTER INSERT ON product_search BEGIN
    INSERT OR IGNORE INTO product_search_release (country, doc_id, product_id)
    SELECT country, new.doc_id, new.product_id FROM release
    WHERE product_id = new.product_id AND revoked_at IS NULL;
END""",
    """
CREATE TRIGGER product_search_release_doc_ad AFTER DELETE ON product_search BEGIN
    DELETE FROM product_search_release
    WHERE country IN (SELECT code FROM country) AND doc_id = old.doc_id;
END""",
    """
CREATE TRIGGER product_search_release_ai AFTER INSERT ON release
WHEN new.revoked_at IS NULL BEGIN
    INSERT OR IGNORE INTO product_search_release (country, doc_id, product_id)
    SELECT new.country, doc_id, product_id FROM product_search
    WHERE product_id = new.product_id;
END""",
    f"""
CREATE TRIGGER product_search_release_au AFTER UPDATE OF product_id, country, revoked_at
ON release BEGIN{_SQLITE_PAIR_GONE}
    INSERT OR IGNORE INTO product_search_release (country, doc_id, product_id)
    SELECT new.country, doc_id, product_id FROM product_search
    WHERE product_id = new.product_id AND new.revoked_at IS NULL;
END""",  # noqa: S608  (interpolates only the module's constants)
    f"""
CREATE TRIGGER product_search_release_ad AFTER DELETE ON release BEGIN{_SQLITE_PAIR_GONE}
END""",
    """
INSERT OR IGNORE INTO product_search_release (country, doc_id, product_id)
SELECT r.country, s.doc_id, s.product_id
FROM release AS r JOIN product_search AS s ON s.product_id = r.product_id
WHERE r.revoked_at IS NULL""",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS product_search_release_ad",
    "DROP TRIGGER IF EXISTS product_search_release_au",
    "DROP TRIGGER IF EXISTS product_search_release_ai",
    "DROP TRIGGER IF EXISTS product_search_release_doc_ad",
    "DROP TRIGGER IF EXISTS product_search_release_doc_ai",
    "DROP TABLE IF EXISTS product_search_release",
]

# Migration 0004's view and refresh function, with `released_to` added at the end.
_POSTGRES_RELEASED_TO = """ARRAY(SELECT DISTINCT r.country::text FROM release AS r
                 WHERE r.product_id = s.product_id AND r.revoked_at IS NULL
                 ORDER BY 1) AS released_to"""


def _postgres_source(released_to: str) -> str:
    category_words = """CASE p.category
        WHEN 'GROUND_DRONE' THEN 'ground drone ugv unmanned ground vehicle robot'
        WHEN 'NAVAL_DRONE' THEN 'naval drone usv uuv sea drone maritime boat'
        ELSE 'software' END"""
    return f"""
CREATE OR REPLACE VIEW product_search_source AS
SELECT s.*,
       setweight(to_tsvector('simple', unaccent(s.name)), 'A')
       || setweight(to_tsvector('simple', unaccent(s.manufacturer || ' ' || s.keywords)), 'B')
       || setweight(to_tsvector('simple', unaccent(s.summary)), 'C')
       || setweight(to_tsvector('simple', unaccent(s.body)), 'D') AS document{released_to}
FROM (
    SELECT p.id AS product_id,
           p.manufacturer_id AS manufacturer_id,
           p.name::text AS name,
           p.summary::text AS summary,
           coalesce(p.description, '') || ' '
             || coalesce(p.combat_record ->> 'evidence', '') || ' '
             || coalesce((SELECT string_agg(r.value, ' ')
                          FROM jsonb_array_elements_text(
                              CASE WHEN jsonb_typeof(p.combat_record -> 'roles') = 'array'
                                   THEN p.combat_record -> 'roles' END) AS r(value)), '')
             AS body,
           coalesce(o.name, '')::text AS manufacturer,
           p.control_entry || ' ' || p.sku || ' ' || {category_words} AS keywords
    FROM product AS p LEFT JOIN organisation AS o ON o.id = p.manufacturer_id
) AS s
"""  # noqa: S608  (interpolates only the module's constants)


def _postgres_refresh(with_released_to: bool) -> str:
    column = ", released_to" if with_released_to else ""
    update = ", released_to = EXCLUDED.released_to" if with_released_to else ""
    return f"""
CREATE OR REPLACE FUNCTION product_search_refresh(ids uuid[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM product_search WHERE product_id = ANY(ids)
        AND product_id NOT IN (SELECT id FROM product WHERE id = ANY(ids));
    INSERT INTO product_search
        (product_id, name, summary, body, manufacturer, keywords, document{column})
    SELECT product_id, name, summary, body, manufacturer, keywords, document{column}
    FROM product_search_source WHERE product_id = ANY(ids)
    ON CONFLICT (product_id) DO UPDATE SET
        name = EXCLUDED.name, summary = EXCLUDED.summary, body = EXCLUDED.body,
        manufacturer = EXCLUDED.manufacturer, keywords = EXCLUDED.keywords,
        document = EXCLUDED.document{update};
    INSERT INTO product_search_term (term)
    SELECT DISTINCT unnest(tsvector_to_array(document))
    FROM product_search WHERE product_id = ANY(ids)
    ON CONFLICT DO NOTHING;
$$"""  # noqa: S608  (interpolates only fixed column lists)


POSTGRES_UP = [
    "ALTER TABLE product_search ADD COLUMN released_to text[] NOT NULL DEFAULT '{}'",
    _postgres_source(",\n       " + _POSTGRES_RELEASED_TO),
    _postgres_refresh(with_released_to=True),
    # One index over both: a partner's matches are the intersection, found inside the index.
    "CREATE INDEX product_search_gin ON product_search USING gin (document, released_to)",
    "DROP INDEX product_search_document_gin",
    # Each statement of a plpgsql function takes a new snapshot: the row lock first, so that
    # a concurrent writer's release, committed while this one waited, is counted.
    """
CREATE FUNCTION product_search_release_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        ids := ARRAY[NEW.product_id];
    ELSIF TG_OP = 'DELETE' THEN
        ids := ARRAY[OLD.product_id];
    ELSE
        ids := ARRAY[OLD.product_id, NEW.product_id];
    END IF;
    PERFORM 1 FROM product_search WHERE product_id = ANY(ids) ORDER BY product_id FOR UPDATE;
    UPDATE product_search AS s SET released_to = ARRAY(
        SELECT DISTINCT r.country::text FROM release AS r
        WHERE r.product_id = s.product_id AND r.revoked_at IS NULL ORDER BY 1)
    WHERE s.product_id = ANY(ids);
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER product_search_release_sync
AFTER INSERT OR DELETE OR UPDATE OF product_id, country, revoked_at ON release
FOR EACH ROW EXECUTE FUNCTION product_search_release_sync()""",
    """
UPDATE product_search AS s SET released_to = ARRAY(
    SELECT DISTINCT r.country::text FROM release AS r
    WHERE r.product_id = s.product_id AND r.revoked_at IS NULL ORDER BY 1)
WHERE EXISTS (SELECT 1 FROM release AS r WHERE r.product_id = s.product_id)""",
]

POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS product_search_release_sync ON release",
    "DROP FUNCTION IF EXISTS product_search_release_sync()",
    "CREATE INDEX product_search_document_gin ON product_search USING gin (document)",
    "DROP INDEX IF EXISTS product_search_gin",
    _postgres_refresh(with_released_to=False),
    # A view cannot lose a column in place.
    "DROP VIEW product_search_source",
    _postgres_source("").replace("CREATE OR REPLACE VIEW", "CREATE VIEW"),
    "ALTER TABLE product_search DROP COLUMN released_to",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    _run(SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP)


def downgrade() -> None:
    _run(SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN)
