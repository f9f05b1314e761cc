// PostgreSQL error recognition shared by the query modules.

/** The name of the unique constraint or index a statement violated, or null for any other error. */
export function uniqueViolation(error: unknown): string | null {
  const pgError = error as { code?: string; constraint?: string };
  return pgError?.code === '23505' ? (pgError.constraint ?? '') : null;
}
