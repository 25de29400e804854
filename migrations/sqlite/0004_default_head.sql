-- The default branch's head as the App last heard of it (scan or push): a check run
-- counts as evidence only on that commit, never on a fork's branch of the same name.
ALTER TABLE repositories ADD COLUMN default_head TEXT;
