-- The registry's schema: the upstream data model (users, tokens, categories, packages, owners, versions,
-- dependencies, downloads, audit log) plus what a real registry needs beyond it: canonical names that cannot collide,
-- a permanent record of every (package, version) ever published, owner invitations, and the indexes search needs.
-- Runs identically on PGlite and PostgreSQL 14+.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The canonical form of a package name: lower case, '-' and '_' the same. `foo-bar` and `foo_bar` cannot coexist.
CREATE FUNCTION canonical_package_name(name text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT replace(lower(name), '-', '_') $$;

-- ---------------------------------------------------------------------------------------------------------------
-- Accounts
-- ---------------------------------------------------------------------------------------------------------------

CREATE TABLE users (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username            text NOT NULL CHECK (username ~ '^[A-Za-z0-9_-]{3,39}$'),
  email               text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  email_verified      boolean NOT NULL DEFAULT false,
  password_hash       text,
  avatar_url          text,
  bio                 text,
  location            text,
  website             text,
  github_username     text,
  is_admin            boolean NOT NULL DEFAULT false,
  is_suspended        boolean NOT NULL DEFAULT false,
  suspended_at        timestamptz,
  -- Every login JWT issued before this instant is void (a password change or reset ends old sessions).
  credentials_changed_at timestamptz NOT NULL DEFAULT now(),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Single-use links sent by mail: only a SHA-256 of the token is stored.
CREATE TABLE email_verifications (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  email       text NOT NULL,
  token_hash  text NOT NULL UNIQUE,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_verifications_user_idx ON email_verifications (user_id);

CREATE TABLE password_resets (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash  text NOT NULL UNIQUE,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

CREATE TABLE api_tokens (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash    text NOT NULL UNIQUE,
  scopes        text[] NOT NULL DEFAULT ARRAY['read', 'publish']
                CHECK (scopes <@ ARRAY['read', 'publish', 'admin'] AND cardinality(scopes) > 0),
  -- Exact package names or `prefix*` patterns this token may publish, yank and manage owners for; NULL means all.
  packages      text[],
  expires_at    timestamptz,
  last_used_at  timestamptz,
  last_used_ip  text,
  revoked_at    timestamptz,
  expiry_reminder_sent_at timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at DESC);
CREATE INDEX api_tokens_expiry_idx ON api_tokens (expires_at) WHERE revoked_at IS NULL AND expires_at IS NOT NULL;

-- ---------------------------------------------------------------------------------------------------------------
-- Packages
-- ---------------------------------------------------------------------------------------------------------------

CREATE TABLE categories (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{1,64}$'),
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO categories (slug, name, description) VALUES
  ('algorithms',   'Algorithms',          'Implementations of algorithms and data structures.'),
  ('async',        'Asynchronous',        'Futures, executors and asynchronous I/O.'),
  ('cli',          'Command line',        'Tools and libraries for command-line programs.'),
  ('concurrency',  'Concurrency',         'Threads, locks, channels and parallel computation.'),
  ('cryptography', 'Cryptography',        'Hashes, ciphers, signatures and protocols.'),
  ('data-science', 'Data science',        'Data frames, statistics and machine learning.'),
  ('database',     'Database',            'Database drivers, query builders and storage engines.'),
  ('development',  'Development tools',   'Testing, profiling, linting and build tooling.'),
  ('ffi',          'FFI',                 'Bindings to libraries written in other languages.'),
  ('graphics',     'Graphics',            'Rendering, images, plotting and visualisation.'),
  ('gui',          'GUI',                 'Graphical user interfaces.'),
  ('math',         'Mathematics',         'Numerics, linear algebra, symbolic and exact arithmetic.'),
  ('network',      'Network programming', 'Protocols, sockets, HTTP clients and servers.'),
  ('no-std',       'No standard library', 'Packages that work without the Sounio standard library.'),
  ('os',           'Operating systems',   'System calls, processes, files and platform APIs.'),
  ('parser',       'Parsers',             'Parser generators, combinators and format parsers.'),
  ('science',      'Science',             'Scientific computing: physics, chemistry, biology and more.'),
  ('text',         'Text processing',     'Strings, Unicode, regular expressions and templates.'),
  ('web',          'Web programming',     'Web frameworks, templating and client libraries.'),
  ('wasm',         'WebAssembly',         'Targeting and embedding WebAssembly.');

CREATE TABLE packages (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name             text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_-]{0,63}$'),
  canonical_name   text NOT NULL UNIQUE GENERATED ALWAYS AS (canonical_package_name(name)) STORED,
  description      text CHECK (length(description) <= 500),
  homepage         text,
  repository       text,
  documentation    text,
  license          text,
  -- README of the highest version, as markdown, and as the sanitised HTML rendered once at publish time.
  readme           text,
  readme_html      text,
  keywords         text[] NOT NULL DEFAULT '{}' CHECK (cardinality(keywords) <= 10),
  -- Denormalised from versions on every publish/yank, so lists and search never sort versions in SQL.
  latest_version   text NOT NULL DEFAULT '',
  downloads        bigint NOT NULL DEFAULT 0,
  recent_downloads bigint NOT NULL DEFAULT 0,
  search_vector    tsvector,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX packages_name_trgm_idx ON packages USING gin (canonical_name gin_trgm_ops);
CREATE INDEX packages_search_idx ON packages USING gin (search_vector);
CREATE INDEX packages_keywords_idx ON packages USING gin (keywords);
CREATE INDEX packages_downloads_idx ON packages (downloads DESC, name);
CREATE INDEX packages_recent_downloads_idx ON packages (recent_downloads DESC, name);
CREATE INDEX packages_created_idx ON packages (created_at DESC, name);
CREATE INDEX packages_updated_idx ON packages (updated_at DESC, name);

-- Weighted full-text document: name > keywords > description.
CREATE FUNCTION packages_search_vector_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector('simple', coalesce(NEW.name, '') || ' ' || replace(replace(coalesce(NEW.name, ''), '-', ' '), '_', ' ')), 'A') ||
    setweight(to_tsvector('english', array_to_string(NEW.keywords, ' ')), 'B') ||
    setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C');
  RETURN NEW;
END
$$;
CREATE TRIGGER packages_search_vector BEFORE INSERT OR UPDATE OF name, keywords, description ON packages
  FOR EACH ROW EXECUTE FUNCTION packages_search_vector_update();

CREATE TABLE package_categories (
  package_id  uuid NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
  category_id uuid NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
  PRIMARY KEY (package_id, category_id)
);
CREATE INDEX package_categories_category_idx ON package_categories (category_id);

CREATE TABLE package_owners (
  package_id  uuid NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  added_by    uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (package_id, user_id)
);
CREATE INDEX package_owners_user_idx ON package_owners (user_id);

-- Ownership with consent: an invitation the invitee accepts or declines within 30 days.
CREATE TABLE owner_invitations (
  package_id  uuid NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
  invitee_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  inviter_id  uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (package_id, invitee_id)
);
CREATE INDEX owner_invitations_invitee_idx ON owner_invitations (invitee_id);

CREATE TABLE versions (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  package_id     uuid NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
  -- As published (build metadata included) and without build metadata: identity and ordering ignore build metadata.
  version        text NOT NULL CHECK (length(version) <= 64),
  version_key    text NOT NULL CHECK (length(version_key) <= 64),
  checksum       text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
  size           bigint NOT NULL CHECK (size >= 0),
  blob_key       text NOT NULL,
  downloads      bigint NOT NULL DEFAULT 0,
  features       jsonb NOT NULL DEFAULT '{}',
  -- Minimum Sounio compiler version (`sounio-version`); named as the upstream contract names it.
  rust_version   text,
  edition        text,
  license        text,
  description    text,
  authors        text[] NOT NULL DEFAULT '{}',
  readme         text,
  readme_html    text,
  changelog      text,
  -- The whole manifest as read from the tarball, for what later needs and was not given its own column.
  manifest       jsonb NOT NULL DEFAULT '{}',
  yanked         boolean NOT NULL DEFAULT false,
  yanked_at      timestamptz,
  yanked_by      uuid REFERENCES users (id) ON DELETE SET NULL,
  yanked_reason  text,
  published_by   uuid REFERENCES users (id) ON DELETE SET NULL,
  published_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (package_id, version_key)
);
CREATE INDEX versions_checksum_idx ON versions (checksum);
CREATE INDEX versions_published_idx ON versions (published_at DESC);

-- Every (package, version) ever published, kept through yanks and package deletion: a version number is never reused.
CREATE TABLE published_versions (
  canonical_name  text NOT NULL,
  version_key     text NOT NULL,
  checksum        text NOT NULL,
  published_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (canonical_name, version_key)
);

-- Names of deleted packages: only an admin may create one of them again, and never with an old version number.
CREATE TABLE deleted_packages (
  canonical_name  text PRIMARY KEY,
  name            text NOT NULL,
  deleted_by      uuid REFERENCES users (id) ON DELETE SET NULL,
  deleted_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dependencies (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  version_id       uuid NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
  package_name     text NOT NULL,
  version_req      text NOT NULL,
  features         text[] NOT NULL DEFAULT '{}',
  optional         boolean NOT NULL DEFAULT false,
  default_features boolean NOT NULL DEFAULT true,
  kind             text NOT NULL DEFAULT 'normal' CHECK (kind IN ('normal', 'dev', 'build'))
);
CREATE INDEX dependencies_version_idx ON dependencies (version_id);
CREATE INDEX dependencies_package_idx ON dependencies (canonical_package_name(package_name));

-- Who depends on a package (the upstream model lists it as a table; a view over the dependencies index suffices).
CREATE VIEW reverse_dependencies AS
  SELECT target.id AS package_id, dependent.id AS dependent_package_id, v.id AS dependent_version_id,
         d.version_req, d.kind, d.optional
  FROM dependencies d
  JOIN versions v ON v.id = d.version_id
  JOIN packages dependent ON dependent.id = v.package_id
  JOIN packages target ON target.canonical_name = canonical_package_name(d.package_name);

-- ---------------------------------------------------------------------------------------------------------------
-- Downloads: counted in the key-value store on the request path, moved here in batches by the flush job.
-- ---------------------------------------------------------------------------------------------------------------

CREATE TABLE downloads (
  version_id  uuid NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
  date        date NOT NULL,
  downloads   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (version_id, date)
);
CREATE INDEX downloads_date_idx ON downloads (date);

CREATE TABLE package_downloads_daily (
  package_id  uuid NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
  date        date NOT NULL,
  downloads   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (package_id, date)
);
CREATE INDEX package_downloads_daily_date_idx ON package_downloads_daily (date);

-- ---------------------------------------------------------------------------------------------------------------
-- Audit
-- ---------------------------------------------------------------------------------------------------------------

CREATE TABLE audit_log (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id        uuid REFERENCES users (id) ON DELETE SET NULL,
  action         text NOT NULL,
  resource_type  text,
  resource_id    text,
  details        jsonb NOT NULL DEFAULT '{}',
  ip             text,
  user_agent     text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, created_at DESC, id DESC);
CREATE INDEX audit_log_resource_idx ON audit_log (resource_type, resource_id, created_at DESC);
