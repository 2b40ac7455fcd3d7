-- Documents keep their brotli representation too, so a restart serves
-- "br" at once. Rows saved before this step have none (an empty blob and
-- an empty ETag) and are served as gzip or identity until the next build.
ALTER TABLE documents ADD COLUMN brotli BLOB NOT NULL DEFAULT x'';
ALTER TABLE documents ADD COLUMN brotli_etag TEXT NOT NULL DEFAULT '';
