"""product search index (FTS5 on SQLite, tsvector on PostgreSQL)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:45:00

The index is derived data owned by `search/`: a view (`product_search_source`) says what a
product's searchable text is, triggers keep `product_search` in step with every write to
`product` and to a manufacturer's name in the same transaction, and a term vocabulary serves
typo expansion. None of it is in SQLModel.metadata; `migrations/env.py` leaves these names out
of autogenerate.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Category words make "ground drone", "UGV" or "sea drone" find a category's products.
CATEGORY_WORDS = """CASE p.category
        WHEN 'GROUND_DRONE' THEN 'ground drone ugv unmanned ground vehicle robot'
        WHEN 'NAVAL_DRONE' THEN 'naval drone usv uuv sea drone maritime boat'
        ELSE 'software' END"""

SQLITE_SOURCE = f"""
CREATE VIEW product_search_source AS
SELECT p.id AS product_id,
       p.manufacturer_id AS manufacturer_id,
       p.name AS name,
       p.summary AS summary,
       coalesce(p.description, '') || ' '
         || coalesce(json_extract(p.combat_record, '$.evidence'), '') || ' '
         || coalesce((SELECT group_concat(r.value, ' ')
                      FROM json_each(p.combat_record, '$.roles') AS r), '') AS body,
       coalesce(o.name, '') AS manufacturer,
       p.control_entry || ' ' || p.sku || ' ' || {CATEGORY_WORDS} AS keywords
FROM product AS p LEFT JOIN organisation AS o ON o.id = p.manufacturer_id
"""  # noqa: S608  (interpolates only the module constant above)

SQLITE_UP = [
    """
CREATE TABLE product_search (
    doc_id INTEGER PRIMARY KEY,
    product_id CHAR(32) NOT NULL UNIQUE,
    name TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    manufacturer TEXT NOT NULL,
    keywords TEXT NOT NULL
)""",
    """
CREATE VIRTUAL TABLE product_search_fts USING fts5(
    name, summary, body, manufacturer, keywords,
    content='product_search', content_rowid='doc_id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3 4'
)""",
    "CREATE VIRTUAL TABLE product_search_vocab USING fts5vocab(product_search_fts, row)",
    SQLITE_SOURCE,
    """
CREATE TRIGGER product_search_ai AFTER INSERT ON product_search BEGIN
    INSERT INTO product_search_fts(rowid, name, summary, body, manufacturer, keywords)
    VALUES (new.doc_id, new.name, new.summary, new.body, new.manufacturer, new.keywords);
END""",
    """
CREATE TRIGGER product_search_ad AFTER DELETE ON product_search BEGIN
    INSERT INTO product_search_fts(product_search_fts, rowid, name, summary, body,
                                   manufacturer, keywords)
    VALUES ('delete', old.doc_id, old.name, old.summary, old.body, old.manufacturer,
            old.keywords);
END""",
    """
CREATE TRIGGER product_search_product_ai AFTER INSERT ON product BEGIN
    INSERT INTO product_search(product_id, name, summary, body, manufacturer, keywords)
    SELECT product_id, name, summary, body, manufacturer, keywords
    FROM product_search_source WHERE product_id = new.id;
END""",
    """
CREATE TRIGGER product_search_product_au AFTER UPDATE OF
    name, summary, description, combat_record, manufacturer_id, control_entry, sku, category
ON product BEGIN
    DELETE FROM product_search WHERE product_id = old.id;
    INSERT INTO product_search(product_id, name, summary, body, manufacturer, keywords)
    SELECT product_id, name, summary, body, manufacturer, keywords
    FROM product_search_source WHERE product_id = new.id;
END""",
    """
CREATE TRIGGER product_search_product_ad AFTER DELETE ON product BEGIN
    DELETE FROM product_search WHERE product_id = old.id;
END""",
    """
CREATE TRIGGER product_search_organisation_au AFTER UPDATE OF name ON organisation BEGIN
    DELETE FROM product_search
    WHERE product_id IN (SELECT id FROM product WHERE manufacturer_id = new.id);
    INSERT INTO product_search(product_id, name, summary, body, manufacturer, keywords)
    SELECT product_id, name, summary, body, manufacturer, keywords
    FROM product_search_source WHERE manufacturer_id = new.id;
END""",
    """
INSERT INTO product_search(product_id, name, summary, body, manufacturer, keywords)
SELECT product_id, name, summary, body, manufacturer, keywords FROM product_search_source""",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS product_search_organisation_au",
    "DROP TRIGGER IF EXISTS product_search_product_ad",
    "DROP TRIGGER IF EXISTS product_search_product_au",
    "DROP TRIGGER IF EXISTS product_search_product_ai",
    "DROP TRIGGER IF EXISTS product_search_ad",
    "DROP TRIGGER IF EXISTS product_search_ai",
    "DROP VIEW IF EXISTS product_search_source",
    "DROP TABLE IF EXISTS product_search_vocab",
    "DROP TABLE IF EXISTS product_search_fts",
    "DROP TABLE IF EXISTS product_search",
]

# Weights: name A, manufacturer and keywords B, summary C, body D.
POSTGRES_SOURCE = f"""
CREATE VIEW product_search_source AS
SELECT s.*,
       setweight(to_tsvector('simple', unaccent(s.name)), 'A')
       || setweight(to_tsvector('simple', unaccent(s.manufacturer || ' ' || s.keywords)), 'B')
       || setweight(to_tsvector('simple', unaccent(s.summary)), 'C')
       || setweight(to_tsvector('simple', unaccent(s.body)), 'D') AS document
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
           p.control_entry || ' ' || p.sku || ' ' || {CATEGORY_WORDS} AS keywords
    FROM product AS p LEFT JOIN organisation AS o ON o.id = p.manufacturer_id
) AS s
"""  # noqa: S608  (interpolates only the module constants above)

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
CREATE TABLE product_search (
    product_id uuid PRIMARY KEY,
    name text NOT NULL,
    summary text NOT NULL,
    body text NOT NULL,
    manufacturer text NOT NULL,
    keywords text NOT NULL,
    document tsvector NOT NULL
)""",
    "CREATE INDEX product_search_document_gin ON product_search USING gin (document)",
    # Byte order ("C") so that a term's first letters select a contiguous range.
    'CREATE TABLE product_search_term (term text COLLATE "C" PRIMARY KEY)',
    POSTGRES_SOURCE,
    """
CREATE FUNCTION product_search_refresh(ids uuid[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM product_search WHERE product_id = ANY(ids)
        AND product_id NOT IN (SELECT id FROM product WHERE id = ANY(ids));
    INSERT INTO product_search (product_id, name, summary, body, manufacturer, keywords, document)
    SELECT product_id, name, summary, body, manufacturer, keywords, document
    FROM product_search_source WHERE product_id = ANY(ids)
    ON CONFLICT (product_id) DO UPDATE SET
        name = EXCLUDED.name, summary = EXCLUDED.summary, body = EXCLUDED.body,
        manufacturer = EXCLUDED.manufacturer, keywords = EXCLUDED.keywords,
        document = EXCLUDED.document;
    INSERT INTO product_search_term (term)
    SELECT DISTINCT unnest(tsvector_to_array(document))
    FROM product_search WHERE product_id = ANY(ids)
    ON CONFLICT DO NOTHING;
$$""",
    """
CREATE FUNCTION product_search_product_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM product_search WHERE product_id = OLD.id;
    ELSE
        PERFORM product_search_refresh(ARRAY[NEW.id]);
    END IF;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER product_search_product_sync
AFTER INSERT OR DELETE OR UPDATE OF
    name, summary, description, combat_record, manufacturer_id, control_entry, sku, category
ON product FOR EACH ROW EXECUTE FUNCTION product_search_product_sync()""",
    """
CREATE FUNCTION product_search_organisation_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM product_search_refresh(ARRAY(SELECT id FROM product WHERE manufacturer_id = NEW.id));
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER product_search_organisation_sync AFTER UPDATE OF name ON organisation
FOR EACH ROW EXECUTE FUNCTION product_search_organisation_sync()""",
    "SELECT product_search_refresh(ARRAY(SELECT id FROM product))",
]

POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS product_search_organisation_sync ON organisation",
    "DROP TRIGGER IF EXISTS product_search_product_sync ON product",
    "DROP FUNCTION IF EXISTS product_search_organisation_sync()",
    "DROP FUNCTION IF EXISTS product_search_product_sync()",
    "DROP FUNCTION IF EXISTS product_search_refresh(uuid[])",
    "DROP VIEW IF EXISTS product_search_source",
    "DROP TABLE IF EXISTS product_search_term",
    "DROP TABLE IF EXISTS product_search",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    _run(SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP)


def downgrade() -> None:
    _run(SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN)
