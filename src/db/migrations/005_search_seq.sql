-- A change counter on packages, for the per-process search index (services/search-index-sync.ts): every insert
-- takes the next number of a sequence (the column default, so bulk loads that switch triggers off get one too) and
-- every update takes a new one (a BEFORE UPDATE trigger: metadata, availability, the search document, download
-- counts). A process that has read everything up to number n catches up with `search_seq > n`, through the index,
-- and so sees changes it was never told about (a lost invalidation message, a row written straight to the table).

CREATE SEQUENCE packages_search_seq;
ALTER TABLE packages ADD COLUMN search_seq bigint NOT NULL DEFAULT nextval('packages_search_seq');
ALTER SEQUENCE packages_search_seq OWNED BY packages.search_seq;

CREATE FUNCTION packages_search_seq_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_seq := nextval('packages_search_seq');
  RETURN NEW;
END
$$;
CREATE TRIGGER packages_search_seq BEFORE UPDATE ON packages
  FOR EACH ROW EXECUTE FUNCTION packages_search_seq_bump();

CREATE INDEX packages_search_seq_idx ON packages (search_seq);
