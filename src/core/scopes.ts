// Token scopes and package patterns. `read` changes no package; `publish` creates, publishes, yanks and manages
// owners; `admin` is for admin users only. A token may also be limited to packages by exact names or `prefix*`
// patterns. A bearer may only hand out (create, rotate, revoke) what it holds itself.

export const SCOPES = ['read', 'publish', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
export const DEFAULT_SCOPES: Scope[] = ['read', 'publish'];

export const PACKAGE_PATTERN = /^[a-z][a-z0-9_-]{0,63}\*?$|^\*$/;

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Whether a package name is allowed by a token's patterns (null: no restriction). */
export function patternsAllow(patterns: readonly string[] | null, packageName: string): boolean {
  if (patterns === null) return true;
  return patterns.some((pattern) => (pattern.endsWith('*') ? packageName.startsWith(pattern.slice(0, -1)) : pattern === packageName));
}

/** Whether every name one pattern matches is matched by some pattern of `outer`. */
function covered(outer: readonly string[], pattern: string): boolean {
  return outer.some((candidate) => {
    if (!candidate.endsWith('*')) return candidate === pattern;
    const prefix = candidate.slice(0, -1);
    return pattern.startsWith(prefix); // `ab*` covers `abc`, `abc*`, `ab*`
  });
}

/** Whether patterns `inner` grant no package beyond `outer` (null means every package). */
export function patternsWithin(inner: readonly string[] | null, outer: readonly string[] | null): boolean {
  if (outer === null) return true;
  if (inner === null) return false;
  return inner.every((pattern) => covered(outer, pattern));
}

export function scopesWithin(inner: readonly Scope[], outer: readonly Scope[]): boolean {
  return inner.every((scope) => outer.includes(scope));
}
