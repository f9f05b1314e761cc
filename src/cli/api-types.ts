// The registry's wire types as the CLI reads them (the fields it uses; see openapi.yaml for the whole contract).

export interface ApiUser {
  id: string;
  username: string;
  email: string;
  email_verified?: boolean;
  is_admin?: boolean;
  created_at: string;
}

export interface ApiToken {
  id: string;
  name: string;
  scopes?: string[];
  created_at: string;
  expires_at?: string;
  last_used_at?: string;
  packages?: string[];
}

export interface ApiTokenCreated extends ApiToken {
  token: string;
}

export interface ApiDependency {
  name: string;
  version_req: string;
  features?: string[];
  optional?: boolean;
  kind?: 'normal' | 'dev' | 'build';
  default_features?: boolean;
}

export interface ApiVersion {
  version: string;
  package_name: string;
  published_at: string;
  published_by?: string;
  downloads?: number;
  checksum: string;
  size?: number;
  yanked?: boolean;
  yanked_reason?: string;
  license?: string;
  description?: string;
  dependencies?: ApiDependency[];
  features?: Record<string, string[]>;
  warnings?: string[];
}

export interface ApiPackage {
  name: string;
  description?: string;
  homepage?: string;
  repository?: string;
  documentation?: string;
  license?: string;
  keywords?: string[];
  categories?: string[];
  latest_version: string;
  versions?: string[];
  owners?: string[];
  downloads?: number;
  created_at: string;
  updated_at: string;
}

export interface ApiSearchResults {
  packages: ApiPackage[];
  total: number;
  page?: number;
  per_page?: number;
  has_next?: boolean;
}

export interface ApiInvitation {
  package: string;
  username: string;
  invited_by?: string;
  created_at: string;
  expires_at: string;
}

export interface ApiOwners {
  users: Array<{ username: string }>;
  invitations?: ApiInvitation[];
}

export interface ApiMessage {
  message: string;
}
