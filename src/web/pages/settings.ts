// The signed-in user's settings: API tokens (create: shown once; list with last use; revoke), the profile (email,
// password, public details, a new verification link) and the security log (their own audit events).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Context } from '../../context.js';
import { SCOPES } from '../../core/scopes.js';
import { badRequest, notFound } from '../../errors.js';
import { requestMeta } from '../../http/auth.js';
import { ProfileBody } from '../../http/routes/me.js';
import { listOwnAudit, resendVerification, updateProfile } from '../../services/accounts.js';
import type { Principal } from '../../services/authentication.js';
import { createToken, listTokens, revokeUserToken, type ApiTokenView, type CreatedTokenView } from '../../services/tokens.js';
import { startWebSession } from '../../services/web-sessions.js';
import { copyLine, errorBox, formatDate, pagination } from '../components.js';
import { field, fieldList, formOf, pageNumber, queryOf, refusal, signedIn, validationMessage } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, layout, viewOf, type View } from '../layout.js';
import { setFlash, setSessionCookie } from '../session.js';

const EXPIRY_CHOICES: Array<{ days: number | null; label: string }> = [
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: null, label: 'Never' },
];

const SCOPE_HELP: Record<string, string> = {
  read: 'read: see your account and tokens',
  publish: 'publish: publish, yank, manage owners',
  admin: 'admin: registry administration',
};

function tokenState(token: ApiTokenView & { revoked_at?: string }): SafeHtml {
  if (token.expires_at !== undefined && new Date(token.expires_at).getTime() <= Date.now()) return html`<span class="badge yanked">expired</span>`;
  return html`<span class="badge">active</span>`;
}

function tokensPage(ctx: Context, view: View, principal: Principal, tokens: ApiTokenView[], created: CreatedTokenView | null, error: string | null, values: Record<string, string> = {}) {
  const registry = ctx.config.publicUrl;
  const scopes = SCOPES.filter((scope) => scope !== 'admin' || principal.user.is_admin);
  return layout(view, {
    title: 'API tokens',
    body: html`<h1>API tokens</h1>
<p>The <code>sounio</code> command and CI jobs authenticate with API tokens. A token is shown once, when it is created; only a hash of it is stored.</p>
${created === null
  ? null
  : html`<section class="notice" aria-labelledby="new-token" role="status">
<h2 id="new-token">Your new token “${created.name}”</h2>
<p>Copy it now: it will not be shown again.</p>
${copyLine(created.token, 'Copy the token')}
<p>Then log in with it on your machine (paste the token when asked):</p>
${copyLine(`sounio login --registry ${registry}`, 'Copy the login command')}
</section>`}
<h2>Create a token</h2>
${errorBox(error)}
<form class="form" method="post" action="/settings/tokens">
${csrfField(view)}
<div class="field"><label for="token-name">Name</label>
<input id="token-name" name="name" type="text" required maxlength="100" value="${values['name'] ?? ''}" placeholder="e.g. laptop, ci" aria-describedby="token-name-hint">
<p class="hint" id="token-name-hint">To recognise it later in this list.</p></div>
<fieldset class="checks"><legend>Scopes</legend>
${scopes.map((scope) => html`<label><input type="checkbox" name="scopes" value="${scope}"${scope !== 'admin' ? html` checked` : null}> ${SCOPE_HELP[scope] ?? scope}</label>`)}
</fieldset>
<div class="field"><label for="token-expiry">Expires after</label>
<select id="token-expiry" name="expires">${EXPIRY_CHOICES.map((choice) => html`<option value="${choice.days === null ? 'never' : String(choice.days)}"${choice.days === 90 ? html` selected` : null}>${choice.label}</option>`)}</select></div>
<div class="field"><label for="token-packages">Limit to packages (optional)</label>
<input id="token-packages" name="packages" type="text" maxlength="1000" value="${values['packages'] ?? ''}" placeholder="e.g. my-package, my-*" aria-describedby="token-packages-hint">
<p class="hint" id="token-packages-hint">Names or prefix* patterns, separated by commas; empty for every package you own.</p></div>
<button type="submit">Create token</button>
</form>
<h2>Your tokens</h2>
${tokens.length === 0
  ? html`<p class="muted">You have no tokens yet.</p>`
  : html`<div class="table-scroll"><table>
<thead><tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Packages</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${tokens.map(
      (token) => html`<tr data-token-id="${token.id}">
<td>${token.name} ${tokenState(token)}</td>
<td>${token.scopes.join(', ')}</td>
<td>${token.packages === undefined ? html`<span class="muted">all</span>` : token.packages.join(', ')}</td>
<td>${formatDate(token.created_at)}</td>
<td>${token.last_used_at === undefined ? html`<span class="muted">never</span>` : formatDate(token.last_used_at)}</td>
<td>${token.expires_at === undefined ? html`<span class="muted">never</span>` : formatDate(token.expires_at)}</td>
<td><form method="post" action="/settings/tokens/${token.id}/revoke">${csrfField(view)}<button type="submit" class="danger" aria-label="Revoke the token ${token.name}">Revoke</button></form></td>
</tr>`,
    )}</tbody></table></div>`}`,
  });
}

function profilePage(view: View, principal: Principal, error: string | null) {
  const user = principal.user;
  return layout(view, {
    title: 'Account',
    body: html`<h1>Your account</h1>
<p>Signed in as <a href="/users/${encodeURIComponent(user.username)}">${user.username}</a>. See also your <a href="/settings/security">security log</a>.</p>
${errorBox(error)}
<h2>Email address</h2>
${user.email_verified
  ? html`<p>${user.email} <span class="badge">verified</span></p>`
  : html`<p>${user.email} <span class="badge yanked">not verified</span></p>
<form method="post" action="/settings/verification">${csrfField(view)}<button type="submit" class="secondary">Send a new verification link</button></form>`}
<h2>Profile</h2>
<form class="form" method="post" action="/settings/profile">
${csrfField(view)}
<div class="field"><label for="email">Email address</label><input id="email" name="email" type="email" autocomplete="email" required maxlength="254" value="${user.email}" aria-describedby="email-hint">
<p class="hint" id="email-hint">A new address must be verified again; the old one is told.</p></div>
<div class="field"><label for="bio">Bio</label><textarea id="bio" name="bio" maxlength="500">${user.bio ?? ''}</textarea></div>
<div class="field"><label for="location">Location</label><input id="location" name="location" type="text" maxlength="100" value="${user.location ?? ''}"></div>
<div class="field"><label for="website">Website</label><input id="website" name="website" type="url" maxlength="500" value="${user.website ?? ''}" placeholder="https://"></div>
<button type="submit">Save profile</button>
</form>
<h2>Password</h2>
<form class="form" method="post" action="/settings/password">
${csrfField(view)}
<div class="field"><label for="current_password">Current password</label><input id="current_password" name="current_password" type="password" autocomplete="current-password" required maxlength="1024"></div>
<div class="field"><label for="new_password">New password</label><input id="new_password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024" aria-describedby="pw-hint">
<p class="hint" id="pw-hint">At least 8 characters. Your other login sessions end.</p></div>
<button type="submit">Change password</button>
</form>`,
  });
}

const ACTIONS: Record<string, string> = {
  register: 'Account created',
  verify_email: 'Email address verified',
  login: 'Logged in',
  login_failure: 'Failed login',
  logout: 'Logged out',
  password_change: 'Password changed',
  password_reset_request: 'Password reset requested',
  email_change: 'Email address changed',
  token_create: 'API token created',
  token_revoke: 'API token revoked',
  token_rotate: 'API token rotated',
  publish: 'Version published',
  yank: 'Version yanked',
  unyank: 'Version restored',
  owner_invite: 'Owner invited',
  owner_accept: 'Ownership accepted',
  owner_decline: 'Ownership declined',
  owner_remove: 'Owner removed',
};

function auditDetail(details: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of ['package', 'version', 'name', 'invitee', 'username', 'reason', 'via']) {
    const value = details[key];
    if (typeof value === 'string') parts.push(`${key}: ${value}`);
  }
  return parts.join(' · ');
}

export function settingsPages(app: FastifyInstance, ctx: Context): void {
  const tokensView = async (request: FastifyRequest, reply: FastifyReply, created: CreatedTokenView | null, error: string | null, values?: Record<string, string>) => {
    const view = viewOf(ctx, request, reply);
    const principal = signedIn(view, reply);
    if (principal === null) return reply;
    const tokens = await listTokens(ctx, principal);
    reply.type('text/html; charset=utf-8');
    return tokensPage(ctx, view, principal, tokens, created, error, values);
  };

  app.get('/settings/tokens', async (request, reply) => tokensView(request, reply, null, null));

  app.post('/settings/tokens', async (request, reply) => {
    const principal = request.principal;
    if (principal === null) return reply.redirect('/login?next=/settings/tokens', 303);
    const form = formOf(request);
    const values = { name: field(form, 'name').slice(0, 200), packages: field(form, 'packages').slice(0, 1000) };
    const expires = field(form, 'expires');
    const days = expires === 'never' ? null : Number(expires);
    const patterns = values.packages.split(/[\s,]+/).filter((pattern) => pattern !== '');
    try {
      if (days !== null && !EXPIRY_CHOICES.some((choice) => choice.days === days)) throw badRequest('Choose when the token expires.', { field: 'expires' });
      const created = await createToken(
        ctx,
        principal,
        {
          name: values.name,
          scopes: fieldList(form, 'scopes'),
          expires_at: days === null ? null : new Date(Date.now() + days * 24 * 3600 * 1000).toISOString(),
          packages: patterns.length === 0 ? null : patterns,
        },
        requestMeta(request),
      );
      // The secret is on this page only: never cached, never stored in the browser's history of forms.
      reply.header('cache-control', 'no-store');
      return tokensView(request, reply, created, null);
    } catch (error) {
      const refused = refusal(error);
      reply.code(refused.status);
      return tokensView(request, reply, null, refused.message, values);
    }
  });

  app.post<{ Params: { id: string } }>('/settings/tokens/:id/revoke', async (request, reply) => {
    const principal = request.principal;
    if (principal === null) return reply.redirect('/login?next=/settings/tokens', 303);
    try {
      if (!/^[0-9a-f-]{36}$/i.test(request.params.id)) throw notFound('There is no such token.');
      const token = (await listTokens(ctx, principal)).find((candidate) => candidate.id === request.params.id);
      await revokeUserToken(ctx, principal, request.params.id, requestMeta(request));
      setFlash(ctx, reply, `The token “${token?.name ?? request.params.id}” is revoked: it no longer works.`);
    } catch (error) {
      setFlash(ctx, reply, refusal(error).message);
    }
    return reply.redirect('/settings/tokens', 303);
  });

  app.get('/settings/profile', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const principal = signedIn(view, reply);
    if (principal === null) return reply;
    reply.type('text/html; charset=utf-8');
    return profilePage(view, principal, null);
  });

  app.post(
    '/settings/profile',
    {
      attachValidation: true,
      schema: {
        body: Type.Object({
          _csrf: Type.String({ maxLength: 200 }),
          email: Type.String({ format: 'email', maxLength: 254 }),
          bio: ProfileBody.properties.bio,
          location: ProfileBody.properties.location,
          website: ProfileBody.properties.website,
        }),
      },
    },
    async (request, reply) => {
      const view = viewOf(ctx, request, reply);
      const principal = signedIn(view, reply);
      if (principal === null) return reply;
      reply.type('text/html; charset=utf-8');
      const invalid = validationMessage(request);
      if (invalid !== null) return reply.code(400).send(profilePage(view, principal, invalid));
      const form = formOf(request);
      try {
        await updateProfile(
          ctx,
          principal,
          { email: field(form, 'email'), bio: field(form, 'bio'), location: field(form, 'location'), website: field(form, 'website') },
          requestMeta(request),
        );
        setFlash(ctx, reply, 'Your profile is saved.');
        return reply.redirect('/settings/profile', 303);
      } catch (error) {
        const refused = refusal(error);
        return reply.code(refused.status).send(profilePage(view, principal, refused.message));
      }
    },
  );

  app.post(
    '/settings/password',
    {
      attachValidation: true,
      schema: { body: Type.Object({ _csrf: Type.String({ maxLength: 200 }), current_password: Type.String({ maxLength: 1024 }), password: ProfileBody.properties.password }) },
    },
    async (request, reply) => {
      const view = viewOf(ctx, request, reply);
      const principal = signedIn(view, reply);
      if (principal === null) return reply;
      reply.type('text/html; charset=utf-8');
      const invalid = validationMessage(request);
      if (invalid !== null) return reply.code(400).send(profilePage(view, principal, invalid));
      const form = formOf(request);
      try {
        const user = await updateProfile(ctx, principal, { password: field(form, 'password'), current_password: field(form, 'current_password') }, requestMeta(request));
        // The change ended every session, this one too: the user just proved the password, so they get a new one.
        setSessionCookie(ctx, reply, await startWebSession(ctx, user, requestMeta(request)));
        setFlash(ctx, reply, 'Your password is changed; your other sessions have ended.');
        return reply.redirect('/settings/profile', 303);
      } catch (error) {
        const refused = refusal(error);
        return reply.code(refused.status).send(profilePage(view, principal, refused.message));
      }
    },
  );

  app.post('/settings/verification', { config: { rateLimit: 'account' } }, async (request, reply) => {
    const principal = request.principal;
    if (principal === null) return reply.redirect('/login?next=/settings/profile', 303);
    try {
      await resendVerification(ctx, principal);
      setFlash(ctx, reply, `A new verification link was sent to ${principal.user.email}.`);
    } catch (error) {
      setFlash(ctx, reply, refusal(error).message);
    }
    return reply.redirect('/settings/profile', 303);
  });

  app.get('/settings/security', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const principal = signedIn(view, reply);
    if (principal === null) return reply;
    const page = pageNumber(queryOf(request)['page']);
    const log = await listOwnAudit(ctx, principal, page, 50);
    reply.type('text/html; charset=utf-8');
    return layout(view, {
      title: 'Security log',
      body: html`<h1>Security log</h1>
<p>What happened on your account: logins, tokens, password changes, publishes. If you do not recognise something, change your password and revoke your tokens.</p>
<div class="table-scroll"><table>
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Details</th><th scope="col">From</th></tr></thead>
<tbody>${log.events.map(
        (event) => html`<tr><td>${formatDate(event.created_at)} <span class="meta">${event.created_at.slice(11, 16)} UTC</span></td><td>${ACTIONS[event.action] ?? event.action}</td><td>${auditDetail(event.details)}</td><td>${event.ip ?? ''}</td></tr>`,
      )}</tbody></table></div>
${pagination('/settings/security', {}, page, log.has_next, log.total, 50)}`,
    });
  });
}
