-- Discovery: what search, the keyword list, the name-prefix lookups and the home page need beyond migration 001.
--  * fuzzystrmatch, for the edit distance that tells a short typo (`jsn` for `json`) from noise, where trigram
--    similarity alone cannot (similarity('jsn', 'json') is 0.29).
--  * The search document gains the people of a package, at the lowest weight: the authors of its latest version
--    (without their e-mail addresses) and its owners' usernames. Name A, keywords B, description C stay as they were.
--  * packages.available: whether a version that is not yanked exists, kept by a trigger on versions.
--  * A C-collation index on canonical_name, so a name-prefix lookup is an index range scan whatever the locale.
--  * A keywords table with package counts, kept by a trigger, so listing keywords never scans every package.

CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

-- ---------------------------------------------------------------------------------------------------------------
-- The search document
-- ---------------------------------------------------------------------------------------------------------------

CREATE FUNCTION package_search_document(package_id uuid, name text, keywords text[], description text, latest_version text)
  RETURNS tsvector LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    SELECT
      setweight(to_tsvector('simple', coalesce(name, '') || ' ' || replace(replace(coalesce(name, ''), '-', ' '), '_', ' ')), 'A') ||
      setweight(to_tsvector('english', array_to_string(keywords, ' ')), 'B') ||
      setweight(to_tsvector('english', coalesce(description, '')), 'C') ||
      setweight(to_tsvector('simple', coalesce((
        SELECT string_agg(person, ' ') FROM (
          SELECT regexp_replace(author, '<[^>]*>', ' ', 'g') AS person
            FROM versions v, unnest(v.authors) AS author
            WHERE v.package_id = package_search_document.package_id AND v.version = package_search_document.latest_version
          UNION ALL
          SELECT u.username FROM package_owners po JOIN users u ON u.id = po.user_id
            WHERE po.package_id = package_search_document.package_id
        ) people), '')), 'D')
  $$;

CREATE OR REPLACE FUNCTION packages_search_vector_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := package_search_document(NEW.id, NEW.name, NEW.keywords, NEW.description, NEW.latest_version);
  RETURN NEW;
END
$$;

-- latest_version is set by every publish and yank, after the version row (and so its authors) is written.
DROP TRIGGER packages_search_vector ON packages;
CREATE TRIGGER packages_search_vector BEFORE INSERT OR UPDATE OF name, keywords, description, latest_version ON packages
  FOR EACH ROW EXECUTE FUNCTION packages_search_vector_update();

CREATE FUNCTION package_owners_search_vector_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.package_id ELSE NEW.package_id END;
BEGIN
  UPDATE packages p SET search_vector = package_search_document(p.id, p.name, p.keywords, p.description, p.latest_version)
    WHERE p.id = changed;
  RETURN NULL;
END
$$;
CREATE TRIGGER package_owners_search_vector AFTER INSERT OR DELETE ON package_owners
  FOR EACH ROW EXECUTE FUNCTION package_owners_search_vector_update();

UPDATE packages p SET search_vector = package_search_document(p.id, p.name, p.keywords, p.description, p.latest_version);

-- The query side of the same document: every word must match (as an English stem or as written: names and people
-- are indexed as written), English stop words are dropped unless the query has nothing else, and the last word
-- also matches as a prefix (`pars` finds `parser`). Words are letters and digits only (the caller splits the query);
-- anything else is ignored.
CREATE FUNCTION package_search_query(words text[]) RETURNS tsquery LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  result tsquery;
  term tsquery;
  word text;
  lexeme text;
  stems text[];
  i integer := 0;
  only_stop_words boolean;
BEGIN
  words := ARRAY(SELECT w FROM unnest(words) AS w WHERE w ~ '^[[:alnum:]]+$');
  only_stop_words := NOT EXISTS (SELECT 1 FROM unnest(words) AS w WHERE to_tsvector('english', w) <> ''::tsvector);
  FOREACH word IN ARRAY words LOOP
    i := i + 1;
    stems := tsvector_to_array(to_tsvector('english', word));
    CONTINUE WHEN cardinality(stems) = 0 AND NOT only_stop_words;
    term := NULL;
    FOREACH lexeme IN ARRAY ARRAY(SELECT DISTINCT l FROM unnest(stems || tsvector_to_array(to_tsvector('simple', word))) AS l ORDER BY l) LOOP
      term := CASE WHEN term IS NULL THEN quote_literal(lexeme)::tsquery ELSE term || quote_literal(lexeme)::tsquery END;
    END LOOP;
    IF i = cardinality(words) AND length(word) >= 3 THEN
      term := CASE WHEN term IS NULL THEN (quote_literal(lower(word)) || ':*')::tsquery ELSE term || (quote_literal(lower(word)) || ':*')::tsquery END;
    END IF;
    CONTINUE WHEN term IS NULL;
    result := CASE WHEN result IS NULL THEN term ELSE result && term END;
  END LOOP;
  RETURN result;
END
$$;

-- ---------------------------------------------------------------------------------------------------------------
-- Availability: search and the home page show only packages with a version that is not yanked. Kept on the package
-- row by a trigger on versions, so that filter is a column read, never a join per candidate.
-- ---------------------------------------------------------------------------------------------------------------

ALTER TABLE packages ADD COLUMN available boolean NOT NULL DEFAULT false;

CREATE FUNCTION versions_package_available_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.package_id ELSE NEW.package_id END;
BEGIN
  UPDATE packages p SET available = EXISTS (SELECT 1 FROM versions v WHERE v.package_id = p.id AND NOT v.yanked)
    WHERE p.id = changed;
  RETURN NULL;
END
$$;
CREATE TRIGGER versions_package_available AFTER INSERT OR DELETE OR UPDATE OF yanked ON versions
  FOR EACH ROW EXECUTE FUNCTION versions_package_available_update();

UPDATE packages p SET available = EXISTS (SELECT 1 FROM versions v WHERE v.package_id = p.id AND NOT v.yanked);

-- ---------------------------------------------------------------------------------------------------------------
-- Names by prefix
-- ---------------------------------------------------------------------------------------------------------------

CREATE INDEX packages_canonical_name_prefix_idx ON packages ((canonical_name COLLATE "C"));

-- ---------------------------------------------------------------------------------------------------------------
-- Keywords with package counts
-- ---------------------------------------------------------------------------------------------------------------

CREATE TABLE keywords (
  keyword        text PRIMARY KEY,
  package_count  integer NOT NULL DEFAULT 0
);
CREATE INDEX keywords_prefix_idx ON keywords ((keyword COLLATE "C")) WHERE package_count > 0;
CREATE INDEX keywords_popular_idx ON keywords (package_count DESC, keyword) WHERE package_count > 0;

-- Counts move by the difference between the old and the new keyword lists, in keyword order, so that concurrent
-- publishes touching the same keywords lock their rows in the same order.
CREATE FUNCTION packages_keywords_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  added text[] := CASE WHEN TG_OP = 'DELETE' THEN '{}'::text[] ELSE NEW.keywords END;
  removed text[] := CASE WHEN TG_OP = 'INSERT' THEN '{}'::text[] ELSE OLD.keywords END;
BEGIN
  INSERT INTO keywords AS k (keyword, package_count)
    SELECT keyword, delta FROM (
      SELECT keyword, sum(delta)::integer AS delta FROM (
        SELECT DISTINCT keyword, 1 AS delta FROM unnest(added) AS keyword
        UNION ALL
        SELECT DISTINCT keyword, -1 AS delta FROM unnest(removed) AS keyword
      ) changes GROUP BY keyword
    ) net
    WHERE delta <> 0
    ORDER BY keyword
  ON CONFLICT (keyword) DO UPDATE SET package_count = k.package_count + EXCLUDED.package_count;
  RETURN NULL;
END
$$;
CREATE TRIGGER packages_keywords_count AFTER INSERT OR DELETE OR UPDATE OF keywords ON packages
  FOR EACH ROW EXECUTE FUNCTION packages_keywords_count();

INSERT INTO keywords (keyword, package_count)
  SELECT keyword, count(DISTINCT p.id) FROM packages p, unnest(p.keywords) AS keyword GROUP BY keyword;
