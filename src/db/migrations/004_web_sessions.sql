-- Browser sessions of the web interface. The cookie carries a random secret (signed with SESSION_SECRET); only its
-- SHA-256 is stored. A session is bound to the user's credentials version, so a password change ends it, and it
-- ends at expires_at or when the user logs out (the row is deleted).
CREATE TABLE web_sessions (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash          text NOT NULL UNIQUE,
  credentials_version timestamptz NOT NULL,
  ip                  text,
  user_agent          text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  last_seen_at        timestamptz NOT NULL DEFAULT now(),
  expires_at          timestamptz NOT NULL
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id);
CREATE INDEX web_sessions_expiry_idx ON web_sessions (expires_at);
