-- The look-alike skeleton of a package name: lower case, separators dropped, 0 as o, 1/i/l as l (as nameSkeleton()
-- in src/core/names.ts). A new name whose skeleton matches an existing package is refused as too similar.
CREATE FUNCTION package_name_skeleton(name text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT translate(translate(lower(name), '-_.', ''), '01i', 'oll') $$;

ALTER TABLE packages ADD COLUMN name_skeleton text GENERATED ALWAYS AS (package_name_skeleton(name)) STORED;
CREATE INDEX packages_name_skeleton_idx ON packages (name_skeleton);
