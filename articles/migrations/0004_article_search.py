"""Full-text search indexes (see articles/search.py).

PostgreSQL: a stored generated tsvector column with a GIN index. SQLite: an FTS5
table with external content on articles_article, kept in step by triggers. The
model does not know either, so nothing changes in the migration state.
"""

from django.db import migrations

PG_FORWARD = [
    """
    ALTER TABLE articles_article ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(standfirst, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')
    ) STORED
    """,
    "CREATE INDEX article_search_vector ON articles_article USING GIN (search_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS article_search_vector",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector",
]

# Triggers are also re-created by articles.search.ensure_sqlite_fts() in case a
# later migration rebuilds articles_article (SQLite's ALTER TABLE does that).
SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS articles_article_fts USING fts5(
        title, standfirst, body,
        content='articles_article', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER IF NOT EXISTS articles_article_fts_insert
    AFTER INSERT ON articles_article BEGIN
        INSERT INTO articles_article_fts(rowid, title, standfirst, body)
        VALUES (new.id, new.title, new.standfirst, new.body);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS articles_article_fts_delete
    AFTER DELETE ON articles_article BEGIN
        INSERT INTO articles_article_fts(articles_article_fts, rowid, title,
            standfirst, body)
        VALUES ('delete', old.id, old.title, old.standfirst, old.body);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS articles_article_fts_update
    AFTER UPDATE ON articles_article BEGIN
        INSERT INTO articles_article_fts(articles_article_fts, rowid, title,
            standfirst, body)
        VALUES ('delete', old.id, old.title, old.standfirst, old.body);
        INSERT INTO articles_article_fts(rowid, title, standfirst, body)
        VALUES (new.id, new.title, new.standfirst, new.body);
    END
    """,
    "INSERT INTO articles_article_fts(articles_article_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS articles_article_fts_insert",
    "DROP TRIGGER IF EXISTS articles_article_fts_delete",
    "DROP TRIGGER IF EXISTS articles_article_fts_update",
    "DROP TABLE IF EXISTS articles_article_fts",
]


def run(statements_by_vendor):
    def operation(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_article_notices_pinned_at"),
    ]

    operations = [
        migrations.RunPython(
            run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
            elidable=False,
        ),
    ]
