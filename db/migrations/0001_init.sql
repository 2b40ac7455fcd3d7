-- Articles and everything that hangs off them. Times are Unix seconds (UTC).
CREATE TABLE articles (
    id              INTEGER PRIMARY KEY,
    guid            TEXT    NOT NULL UNIQUE,
    slug            TEXT    NOT NULL UNIQUE,
    url             TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    dek             TEXT    NOT NULL DEFAULT '',
    body_html       TEXT    NOT NULL DEFAULT '',
    section         TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL CHECK (status IN ('draft', 'published', 'retracted')),
    published_at    INTEGER,
    updated_at      INTEGER NOT NULL,
    revision        INTEGER NOT NULL DEFAULT 1,
    -- The video, when the article has one (video_url IS NOT NULL); its
    -- poster is a row of images with kind 'poster'.
    video_url       TEXT,
    video_title     TEXT    NOT NULL DEFAULT '',
    video_mime_type TEXT    NOT NULL DEFAULT '',
    video_length    INTEGER NOT NULL DEFAULT 0,
    video_width     INTEGER NOT NULL DEFAULT 0,
    video_height    INTEGER NOT NULL DEFAULT 0,
    video_duration  INTEGER NOT NULL DEFAULT 0
);

-- A feed asks for the newest visible articles, optionally of one section.
CREATE INDEX articles_visible ON articles (status, published_at DESC, id DESC);
CREATE INDEX articles_section ON articles (section, status, published_at DESC, id DESC);
CREATE INDEX articles_updated ON articles (updated_at, id);

CREATE TABLE article_authors (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    email      TEXT    NOT NULL DEFAULT '',
    url        TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;
CREATE INDEX article_authors_name ON article_authors (name, article_id);

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    tag        TEXT    NOT NULL,
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;
CREATE INDEX article_tags_tag ON article_tags (tag, article_id);

CREATE TABLE galleries (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    title      TEXT    NOT NULL DEFAULT '',
    UNIQUE (article_id, position)
);

-- Every picture of an article: its lead image, its video's poster and the
-- images of its galleries, in order.
CREATE TABLE images (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    gallery_id  INTEGER REFERENCES galleries (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('lead', 'poster', 'gallery')),
    position    INTEGER NOT NULL,
    url         TEXT    NOT NULL,
    mime_type   TEXT    NOT NULL,
    width       INTEGER NOT NULL DEFAULT 0,
    height      INTEGER NOT NULL DEFAULT 0,
    length      INTEGER NOT NULL DEFAULT 0,
    alt         TEXT    NOT NULL DEFAULT '',
    caption     TEXT    NOT NULL DEFAULT '',
    credit      TEXT    NOT NULL DEFAULT '',
    credit_role TEXT    NOT NULL DEFAULT '',
    CHECK ((kind = 'gallery') = (gallery_id IS NOT NULL))
);
CREATE INDEX images_article ON images (article_id, kind, gallery_id, position);
CREATE UNIQUE INDEX images_gallery_position ON images (gallery_id, position) WHERE gallery_id IS NOT NULL;

CREATE TABLE appeals (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    heading      TEXT    NOT NULL,
    text         TEXT    NOT NULL DEFAULT '',
    button_label TEXT    NOT NULL DEFAULT '',
    url          TEXT    NOT NULL,
    starts_at    INTEGER,
    ends_at      INTEGER,
    -- A JSON array of section names; '[]' means every section.
    sections     TEXT    NOT NULL DEFAULT '[]',
    revision     INTEGER NOT NULL DEFAULT 1,
    updated_at   INTEGER NOT NULL
);

-- The last published documents of every feed page, so that a restart
-- serves at once what was served before it.
CREATE TABLE documents (
    feed          TEXT    NOT NULL,
    format        TEXT    NOT NULL CHECK (format IN ('rss', 'atom', 'json')),
    page          INTEGER NOT NULL DEFAULT 1,
    body          BLOB    NOT NULL,
    gzip          BLOB    NOT NULL,
    etag          TEXT    NOT NULL,
    gzip_etag     TEXT    NOT NULL,
    last_modified INTEGER NOT NULL,
    built_at      INTEGER NOT NULL,
    PRIMARY KEY (feed, format, page)
) WITHOUT ROWID;
