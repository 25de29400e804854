-- The commits the App itself put on its onboarding branch (the last 20): the branch is
-- force-pushed only when its head is one of them, never over anybody else's commit.
ALTER TABLE repositories ADD COLUMN onboarding_commits TEXT NOT NULL DEFAULT '[]';
