// Users for API tests: created through the accounts service (as the admin command does), then logged in through
// the API, so each test starts from a known account quickly.
import { expect } from 'vitest';
import type { UserRow } from '../../src/db/users.js';
import { createUser } from '../../src/services/accounts.js';
import type { TestRegistry } from './registry.js';

export interface TestUser {
  user: UserRow;
  email: string;
  password: string;
  /** A login JWT. */
  jwt: string;
  auth: { authorization: string };
}

let counter = 0;

export async function signUp(registry: TestRegistry, options: { username?: string; admin?: boolean; verified?: boolean } = {}): Promise<TestUser> {
  counter++;
  const username = options.username ?? `user${counter}_${Math.random().toString(36).slice(2, 8)}`;
  const email = `${username.toLowerCase()}@example.org`;
  const password = `pw-${username}-correct-horse`;
  const user = await createUser(
    registry.ctx,
    { username, email, password },
    {},
    { isAdmin: options.admin ?? false, emailVerified: options.verified ?? true, sendVerification: false },
  );
  const login = await registry.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  expect(login.statusCode, login.body).toBe(200);
  const jwt = login.json().token as string;
  return { user, email, password, jwt, auth: { authorization: `Bearer ${jwt}` } };
}

/** Creates an API token for a user through the API and returns its secret and id. */
export async function createApiToken(
  registry: TestRegistry,
  owner: { auth: { authorization: string } },
  body: Record<string, unknown> = { name: 'test token' },
): Promise<{ id: string; token: string; auth: { authorization: string } }> {
  const response = await registry.app.inject({ method: 'POST', url: '/api/v1/auth/tokens', headers: owner.auth, payload: body });
  expect(response.statusCode, response.body).toBe(201);
  const { id, token } = response.json() as { id: string; token: string };
  return { id, token, auth: { authorization: `Bearer ${token}` } };
}
