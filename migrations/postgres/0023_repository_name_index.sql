-- Repositories are looked up by name in any case (a repository's page, API and badge):
-- without this index each lookup read every repository on record (6.7 ms at 10,000 on
-- SQLite, several per page).
CREATE INDEX repositories_by_lower_name ON repositories (LOWER(full_name));
