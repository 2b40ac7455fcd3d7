-- One counter that every write to articles or appeals moves, so that the
-- serving process notices in a single-row read what another process (a
-- `feedwright import`) changed, and rebuilds within a second instead of
-- at the next cron tick. Every write to an article's children also
-- rewrites its row (the revision), so these triggers see them too.
CREATE TABLE change_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO change_counter (id, n) VALUES (1, 0);

CREATE TRIGGER articles_count_insert AFTER INSERT ON articles
BEGIN UPDATE change_counter SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER articles_count_update AFTER UPDATE ON articles
BEGIN UPDATE change_counter SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER articles_count_delete AFTER DELETE ON articles
BEGIN UPDATE change_counter SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER appeals_count_insert AFTER INSERT ON appeals
BEGIN UPDATE change_counter SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER appeals_count_update AFTER UPDATE ON appeals
BEGIN UPDATE change_counter SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER appeals_count_delete AFTER DELETE ON appeals
BEGIN UPDATE change_counter SET n = n + 1 WHERE id = 1; END;

-- Author feeds get what 0003 gave tag feeds: author rows carry their
-- article's status and publication time, so the author index alone
-- yields an author's newest visible articles in feed order.
ALTER TABLE article_authors ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE article_authors ADD COLUMN published_at INTEGER;

UPDATE article_authors SET
    status = (SELECT a.status FROM articles a WHERE a.id = article_authors.article_id),
    published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_authors.article_id);

CREATE INDEX article_authors_feed ON article_authors (name, status, published_at DESC, article_id DESC);

CREATE TRIGGER article_authors_copy_on_insert AFTER INSERT ON article_authors
BEGIN
    UPDATE article_authors SET
        status = (SELECT a.status FROM articles a WHERE a.id = NEW.article_id),
        published_at = (SELECT a.published_at FROM articles a WHERE a.id = NEW.article_id)
    WHERE article_id = NEW.article_id AND position = NEW.position;
END;

CREATE TRIGGER article_authors_copy_on_update AFTER UPDATE OF status, published_at ON articles
BEGIN
    UPDATE article_authors SET status = NEW.status, published_at = NEW.published_at
    WHERE article_id = NEW.id;
END;
