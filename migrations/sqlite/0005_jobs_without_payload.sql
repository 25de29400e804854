-- A job is its kind and subject: the payload column never carried anything.
ALTER TABLE jobs DROP COLUMN payload;
