// What the page handlers share around forms: reading fields, turning a failed schema check or a refused action into a
// sentence next to the form, redirects that stay on this site, and the login requirement of account pages.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { Principal } from '../services/authentication.js';
import type { View } from './layout.js';

export type FormBody = Record<string, string | string[] | undefined>;

export function formOf(request: FastifyRequest): FormBody {
  return (request.body ?? {}) as FormBody;
}

/** The first value of a field, '' when absent. */
export function field(body: FormBody, name: string): string {
  const value = body[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** Every value of a field (checkboxes). */
export function fieldList(body: FormBody, name: string): string[] {
  const value = body[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

export function queryOf(request: FastifyRequest): Record<string, string | undefined> {
  const query = request.query as Record<string, string | string[] | undefined>;
  return Object.fromEntries(Object.entries(query).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]));
}

export function pageNumber(value: string | undefined, max = 500): number {
  const page = Number(value);
  return Number.isInteger(page) && page >= 1 ? Math.min(page, max) : 1;
}

const FIELD_RULES: Record<string, string> = {
  username: 'A username is 3–39 characters: letters, digits, “-” and “_”.',
  email: 'Enter an email address such as marie@example.org.',
  password: 'A password needs at least 8 characters.',
  current_password: 'Enter your current password.',
  website: 'The website must be an http:// or https:// address.',
  bio: 'The bio may have at most 500 characters.',
  location: 'The location may have at most 100 characters.',
};

/** A sentence for the first problem a schema check found in a form. */
export function validationMessage(request: FastifyRequest): string | null {
  const error = request.validationError;
  if (error === undefined || error === null) return null;
  const issue = error.validation?.[0];
  const params = (issue?.params ?? {}) as Record<string, unknown>;
  const name = typeof params['missingProperty'] === 'string' ? params['missingProperty'] : (issue?.instancePath ?? '').replace(/^\//, '').split('/')[0] ?? '';
  return FIELD_RULES[name] ?? `Please check the form: ${error.message}.`;
}

/** A refused action (a 4xx from a service) as a message for the form; anything else is not ours to show. */
export function refusal(error: unknown): AppError {
  if (error instanceof AppError && error.status >= 400 && error.status < 500 && error.status !== 429) return error;
  throw error;
}

/** A local path to return to after logging in; anything else (another site, "//host") becomes the home page. */
export function safeNext(next: string | undefined): string {
  if (next === undefined || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next.slice(0, 500);
}

/** The signed-in user of an account page, or a redirect to the login page (null: the reply is sent). */
export function signedIn(view: View, reply: FastifyReply): Principal | null {
  if (view.principal !== null) return view.principal;
  void reply.redirect(`/login?next=${encodeURIComponent(view.path)}`, 303);
  return null;
}
