-- The ETag of the repository's own record (`GET /repos/{owner}/{repo}`) at the last scan:
-- every scan re-reads visibility and archiving with a conditional request, free when
-- nothing changed.
ALTER TABLE repositories ADD COLUMN repo_etag TEXT;
