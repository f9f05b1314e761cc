// Wire types of the API (the upstream contract's components), as TypeBox schemas: one definition serves as request
// validation, response serialisation, TypeScript type and OpenAPI component. Field names and required fields follow
// ../shared/upstream/openapi.yaml; optional fields without a value are left out, never null.
import { Type, type Static, type TSchema } from 'typebox';

const DateTime = Type.String({ format: 'date-time' });
const Uri = Type.String({ format: 'uri' });

/** A string enum as `{type: string, enum}` (what the contract writes), typed as the union of its values. */
export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const PACKAGE_NAME_PATTERN = '^[a-z][a-z0-9_-]*$';

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Stable machine-readable code in snake_case, e.g. `not_found`, `version_exists`.' }),
    message: Type.String({ description: 'What went wrong, for people.' }),
    details: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'The field, file or rule concerned.' })),
  },
  { $id: 'Error', additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const Package = Type.Object(
  {
    name: Type.String({ pattern: PACKAGE_NAME_PATTERN }),
    description: Type.Optional(Type.String()),
    homepage: Type.Optional(Uri),
    repository: Type.Optional(Uri),
    documentation: Type.Optional(Uri),
    license: Type.Optional(Type.String()),
    keywords: Type.Optional(Type.Array(Type.String())),
    categories: Type.Optional(Type.Array(Type.String())),
    latest_version: Type.String({ description: 'Highest non-yanked release; "" for a package without versions.' }),
    versions: Type.Optional(Type.Array(Type.String(), { description: 'Every version, highest first.' })),
    owners: Type.Optional(Type.Array(Type.String())),
    downloads: Type.Optional(Type.Integer()),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { $id: 'Package' },
);
export type Package = Static<typeof Package>;

export const CreatePackage = Type.Object(
  {
    name: Type.String({ pattern: PACKAGE_NAME_PATTERN, minLength: 1, maxLength: 64 }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    homepage: Type.Optional(Uri),
    repository: Type.Optional(Uri),
    documentation: Type.Optional(Uri),
    license: Type.Optional(Type.String()),
    keywords: Type.Optional(Type.Array(Type.String(), { maxItems: 10 })),
    categories: Type.Optional(Type.Array(Type.String(), { maxItems: 5 })),
  },
  { $id: 'CreatePackage' },
);

export const UpdatePackage = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 500 })),
    homepage: Type.Optional(Uri),
    repository: Type.Optional(Uri),
    documentation: Type.Optional(Uri),
    keywords: Type.Optional(Type.Array(Type.String(), { maxItems: 10 })),
    categories: Type.Optional(Type.Array(Type.String(), { maxItems: 5 })),
  },
  { $id: 'UpdatePackage' },
);

export const PackageList = Type.Object(
  {
    packages: Type.Array(Type.Ref('Package')),
    total: Type.Integer(),
    page: Type.Integer(),
    per_page: Type.Integer(),
    has_next: Type.Optional(Type.Boolean()),
  },
  { $id: 'PackageList' },
);

export const Dependency = Type.Object(
  {
    name: Type.String(),
    version_req: Type.String(),
    features: Type.Optional(Type.Array(Type.String())),
    optional: Type.Optional(Type.Boolean({ default: false })),
    kind: Type.Optional(StringEnum(['normal', 'dev', 'build'], { default: 'normal' })),
    default_features: Type.Optional(Type.Boolean({ default: true, description: 'Extension: whether the default features of the dependency are on.' })),
  },
  { $id: 'Dependency' },
);

export const Version = Type.Object(
  {
    version: Type.String(),
    package_name: Type.String(),
    published_at: DateTime,
    published_by: Type.Optional(Type.String()),
    downloads: Type.Optional(Type.Integer()),
    checksum: Type.String({ description: 'SHA256 checksum of tarball' }),
    size: Type.Optional(Type.Integer({ description: 'Tarball size in bytes' })),
    yanked: Type.Optional(Type.Boolean({ default: false })),
    yanked_reason: Type.Optional(Type.String({ description: 'Extension: why the version was yanked, when a reason was given.' })),
    license: Type.Optional(Type.String({ description: "Extension: the version's SPDX license expression." })),
    description: Type.Optional(Type.String({ description: "Extension: the version's description." })),
    rust_version: Type.Optional(Type.String({ description: 'Minimum Sounio compiler version' })),
    dependencies: Type.Optional(Type.Array(Type.Ref('Dependency'))),
    features: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
    warnings: Type.Optional(Type.Array(Type.String(), { description: "Extension, in a publish's answer only: what the registry ignored in Sounio.toml (unknown keys)." })),
  },
  { $id: 'Version' },
);

export const SearchResults = Type.Object(
  {
    packages: Type.Array(Type.Ref('Package')),
    total: Type.Integer(),
    page: Type.Optional(Type.Integer()),
    per_page: Type.Optional(Type.Integer()),
    has_next: Type.Optional(Type.Boolean({ description: 'Extension: whether a further page has results.' })),
  },
  { $id: 'SearchResults' },
);

export const User = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    username: Type.String(),
    email: Type.String({ format: 'email' }),
    avatar_url: Type.Optional(Uri),
    created_at: DateTime,
    // Extensions: what the account's owner sees about it.
    email_verified: Type.Optional(Type.Boolean()),
    is_admin: Type.Optional(Type.Boolean()),
    bio: Type.Optional(Type.String()),
    location: Type.Optional(Type.String()),
    website: Type.Optional(Uri),
  },
  { $id: 'User' },
);

export const UserProfile = Type.Object(
  {
    username: Type.String(),
    avatar_url: Type.Optional(Uri),
    bio: Type.Optional(Type.String()),
    location: Type.Optional(Type.String()),
    website: Type.Optional(Uri),
    github: Type.Optional(Type.String()),
    package_count: Type.Optional(Type.Integer()),
    created_at: DateTime,
  },
  { $id: 'UserProfile' },
);

export const AuthResponse = Type.Object(
  {
    token: Type.String(),
    token_type: Type.Optional(Type.String({ default: 'Bearer' })),
    expires_in: Type.Optional(Type.Integer({ description: 'Token lifetime in seconds' })),
    user: Type.Ref('User'),
  },
  { $id: 'AuthResponse' },
);

const PackagePatterns = Type.Array(Type.String(), {
  description: 'Extension: exact package names or `prefix*` patterns the token may publish, yank and manage owners for. Absent: every package.',
});

export const ApiToken = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    scopes: Type.Optional(Type.Array(Type.String())),
    created_at: DateTime,
    expires_at: Type.Optional(DateTime),
    last_used_at: Type.Optional(DateTime),
    packages: Type.Optional(PackagePatterns),
  },
  { $id: 'ApiToken' },
);

export const ApiTokenCreated = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    token: Type.String({ description: 'The actual token value (shown only once)' }),
    name: Type.Optional(Type.String()),
    scopes: Type.Optional(Type.Array(Type.String())),
    expires_at: Type.Optional(DateTime),
    created_at: Type.Optional(DateTime),
    packages: Type.Optional(PackagePatterns),
  },
  { $id: 'ApiTokenCreated' },
);

export const AuditEvent = Type.Object(
  {
    id: Type.Integer(),
    action: Type.String({ description: 'register, verify_email, login, login_failure, token_create, token_revoke, password_change, publish, ...' }),
    resource_type: Type.Optional(Type.String()),
    resource_id: Type.Optional(Type.String()),
    details: Type.Object({}, { additionalProperties: true }),
    ip: Type.Optional(Type.String()),
    user_agent: Type.Optional(Type.String()),
    created_at: DateTime,
  },
  { $id: 'AuditEvent' },
);

export const AuditPage = Type.Object(
  {
    events: Type.Array(Type.Ref('AuditEvent')),
    total: Type.Integer(),
    page: Type.Integer(),
    per_page: Type.Integer(),
    has_next: Type.Boolean(),
  },
  { $id: 'AuditPage' },
);

export const Message = Type.Object({ message: Type.String() }, { $id: 'Message' });

/** page/per_page query parameters, with the contract's limits. */
export const Pagination = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
};

export const RegistryStats = Type.Object(
  {
    total_packages: Type.Optional(Type.Integer()),
    total_versions: Type.Optional(Type.Integer()),
    total_downloads: Type.Optional(Type.Integer()),
    total_users: Type.Optional(Type.Integer()),
    packages_last_day: Type.Optional(Type.Integer()),
    downloads_last_day: Type.Optional(Type.Integer()),
  },
  { $id: 'RegistryStats' },
);

export const PackageStats = Type.Object(
  {
    total_downloads: Type.Optional(Type.Integer()),
    downloads_by_version: Type.Optional(Type.Record(Type.String(), Type.Integer())),
    downloads_over_time: Type.Optional(
      Type.Array(Type.Object({ date: Type.Optional(Type.String({ format: 'date' })), downloads: Type.Optional(Type.Integer()) })),
    ),
  },
  { $id: 'PackageStats' },
);

// Extensions for discovery: categories, keywords and the home page's summary.

export const Category = Type.Object(
  {
    slug: Type.String({ description: 'What Sounio.toml `categories` and the search filter name.' }),
    name: Type.String(),
    description: Type.String(),
    package_count: Type.Integer(),
  },
  { $id: 'Category' },
);

export const CategoryList = Type.Object({ categories: Type.Array(Type.Ref('Category')) }, { $id: 'CategoryList' });

export const CategoryPage = Type.Object(
  {
    category: Type.Ref('Category'),
    packages: Type.Array(Type.Ref('Package')),
    total: Type.Integer(),
    page: Type.Integer(),
    per_page: Type.Integer(),
    has_next: Type.Boolean(),
  },
  { $id: 'CategoryPage' },
);

export const KeywordCount = Type.Object({ keyword: Type.String(), package_count: Type.Integer() }, { $id: 'KeywordCount' });

export const KeywordList = Type.Object({ keywords: Type.Array(Type.Ref('KeywordCount')) }, { $id: 'KeywordList' });

export const RegistrySummary = Type.Object(
  {
    stats: Type.Ref('RegistryStats'),
    new_packages: Type.Array(Type.Ref('Package'), { description: 'Most recently created first.' }),
    just_updated: Type.Array(Type.Ref('Package'), { description: 'Most recently updated first.' }),
    most_downloaded: Type.Array(Type.Ref('Package'), { description: 'Most downloads of all time first.' }),
    most_recently_downloaded: Type.Array(Type.Ref('Package'), { description: 'Most downloads in the last 90 days first.' }),
    popular_keywords: Type.Array(Type.Ref('KeywordCount')),
    popular_categories: Type.Array(Type.Ref('Category')),
  },
  { $id: 'RegistrySummary' },
);

/** Every shared schema, registered once with Fastify (and so listed under components.schemas). */
export const SHARED_SCHEMAS: TSchema[] = [
  ErrorBody,
  Package,
  CreatePackage,
  UpdatePackage,
  PackageList,
  Dependency,
  Version,
  SearchResults,
  User,
  UserProfile,
  AuthResponse,
  ApiToken,
  ApiTokenCreated,
  AuditEvent,
  AuditPage,
  Message,
  RegistryStats,
  PackageStats,
  Category,
  CategoryList,
  CategoryPage,
  KeywordCount,
  KeywordList,
  RegistrySummary,
];

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request',
  401: 'Authentication required',
  403: 'Permission denied',
  404: 'Resource not found',
  409: 'Conflict with the current state',
  410: 'No longer available',
  413: 'Request body too large',
  415: 'Unsupported content type',
  416: 'Range not satisfiable',
  422: 'Valid request that cannot be satisfied',
  429: 'Rate limited',
  503: 'A backend is unavailable',
};

/** Response schemas for the error statuses a route can answer, all with the `Error` body. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(
    [...new Set([...statuses, 503])].map((status) => [status, Type.Ref('Error', { description: ERROR_DESCRIPTIONS[status] ?? 'Error' })]),
  );
}
