-- A tag feed must cost what its page holds, not what the archive holds.
-- Walking the articles' time index and testing each row for the tag reads
-- the whole archive for a rare tag; instead every tag row carries its
-- article's status and publication time, so the tag index alone yields a
-- tag feed's newest visible articles in order. Triggers keep the copies
-- true whichever statement changes the article or adds a tag.
ALTER TABLE article_tags ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE article_tags ADD COLUMN published_at INTEGER;

UPDATE article_tags SET
    status = (SELECT a.status FROM articles a WHERE a.id = article_tags.article_id),
    published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_tags.article_id);

CREATE INDEX article_tags_feed ON article_tags (tag, status, published_at DESC, article_id DESC);

CREATE TRIGGER article_tags_copy_on_insert AFTER INSERT ON article_tags
BEGIN
    UPDATE article_tags SET
        status = (SELECT a.status FROM articles a WHERE a.id = NEW.article_id),
        published_at = (SELECT a.published_at FROM articles a WHERE a.id = NEW.article_id)
    WHERE article_id = NEW.article_id AND position = NEW.position;
END;

CREATE TRIGGER article_tags_copy_on_update AFTER UPDATE OF status, published_at ON articles
BEGIN
    UPDATE article_tags SET status = NEW.status, published_at = NEW.published_at
    WHERE article_id = NEW.id;
END;
