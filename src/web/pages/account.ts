// Getting in: registration, the email verification link, logging in and out, and password reset. Login and
// registration are rate-limited per address like their API twins (the 'account' class); each form carries a CSRF
// token and is checked against the same schemas as the API.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { requestMeta } from '../../http/auth.js';
import { Email, Password, Username } from '../../http/routes/auth.js';
import { register, requestPasswordReset, resetPassword, verifyEmail } from '../../services/accounts.js';
import { endWebSession, logInWithPassword } from '../../services/web-sessions.js';
import { errorBox } from '../components.js';
import { field, formOf, queryOf, refusal, safeNext, validationMessage } from '../forms.js';
import { html } from '../html.js';
import { csrfField, layout, viewOf, type View } from '../layout.js';
import { clearSessionCookie, sessionSecretOf, setFlash, setSessionCookie } from '../session.js';

const Csrf = Type.String({ maxLength: 200 });
const MailToken = Type.String({ minLength: 1, maxLength: 200 });

function registerForm(view: View, values: { username?: string; email?: string }, error: string | null) {
  return layout(view, {
    title: 'Register',
    body: html`<h1>Create an account</h1>
<p>An account lets you publish packages and create API tokens for the <code>sounio</code> command.</p>
${errorBox(error)}
<form class="form" method="post" action="/register" novalidate>
${csrfField(view)}
<div class="field"><label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" required minlength="3" maxlength="39" pattern="[A-Za-z0-9_\-]+" value="${values.username ?? ''}" aria-describedby="username-hint">
<p class="hint" id="username-hint">3–39 letters, digits, “-” and “_”. It is public and shown on your packages.</p></div>
<div class="field"><label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required maxlength="254" value="${values.email ?? ''}" aria-describedby="email-hint">
<p class="hint" id="email-hint">We send a link to verify it; it is never shown publicly.</p></div>
<div class="field"><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024" aria-describedby="password-hint">
<p class="hint" id="password-hint">At least 8 characters.</p></div>
<button type="submit">Create account</button>
</form>
<p>Already registered? <a href="/login">Log in</a>.</p>`,
  });
}

function loginForm(view: View, values: { email?: string; next?: string }, error: string | null) {
  return layout(view, {
    title: 'Log in',
    body: html`<h1>Log in</h1>
${errorBox(error)}
<form class="form" method="post" action="/login">
${csrfField(view)}
<input type="hidden" name="next" value="${values.next ?? ''}">
<div class="field"><label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required maxlength="254" value="${values.email ?? ''}"></div>
<div class="field"><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"></div>
<button type="submit">Log in</button>
</form>
<p><a href="/password-reset">Forgot your password?</a> · New here? <a href="/register">Create an account</a>.</p>`,
  });
}

function resetForms(view: View, token: string | undefined, error: string | null) {
  if (token === undefined) {
    return layout(view, {
      title: 'Reset your password',
      body: html`<h1>Reset your password</h1>
${errorBox(error)}
<p>Enter the email address of your account; we will mail you a link to choose a new password (valid for one hour).</p>
<form class="form" method="post" action="/password-reset">
${csrfField(view)}
<div class="field"><label for="email">Email address</label><input id="email" name="email" type="email" autocomplete="email" required maxlength="254"></div>
<button type="submit">Send the link</button>
</form>`,
    });
  }
  return layout(view, {
    title: 'Choose a new password',
    body: html`<h1>Choose a new password</h1>
${errorBox(error)}
<form class="form" method="post" action="/password-reset">
${csrfField(view)}
<input type="hidden" name="token" value="${token}">
<div class="field"><label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024" aria-describedby="password-hint">
<p class="hint" id="password-hint">At least 8 characters. Every other login session ends.</p></div>
<button type="submit">Set the password</button>
</form>`,
  });
}

export function accountPages(app: FastifyInstance, ctx: Context): void {
  app.get('/register', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    reply.type('text/html; charset=utf-8');
    return registerForm(view, {}, null);
  });

  app.post(
    '/register',
    {
      config: { rateLimit: 'account' },
      attachValidation: true,
      schema: { body: Type.Object({ _csrf: Csrf, username: Username, email: Email, password: Password }) },
    },
    async (request, reply) => {
      const view = viewOf(ctx, request, reply);
      const form = formOf(request);
      const values = { username: field(form, 'username'), email: field(form, 'email') };
      reply.type('text/html; charset=utf-8');
      const invalid = validationMessage(request);
      if (invalid !== null) return reply.code(400).send(registerForm(view, values, invalid));
      try {
        const user = await register(ctx, { username: values.username, email: values.email, password: field(form, 'password') }, requestMeta(request));
        return layout(view, {
          title: 'Check your mail',
          body: html`<h1>Check your mail</h1>
<p>Welcome, ${user.username}! We sent a verification link to <strong>${user.email}</strong>. Open it to verify your address, then <a href="/login">log in</a>.</p>`,
        });
      } catch (error) {
        const refused = refusal(error);
        return reply.code(refused.status).send(registerForm(view, values, refused.message));
      }
    },
  );

  // The link from the mail opens a page with one button: a GET never uses the link up, so a mail scanner that
  // fetches links first cannot spend it before its owner clicks.
  app.get('/verify', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const token = (queryOf(request)['token'] ?? '').slice(0, 200);
    reply.type('text/html; charset=utf-8').header('referrer-policy', 'no-referrer');
    return layout(view, {
      title: 'Verify your email address',
      body: html`<h1>Verify your email address</h1>
${token === '' ? errorBox('This verification link is incomplete; open the whole link from the mail.') : null}
<form method="post" action="/verify">${csrfField(view)}<input type="hidden" name="token" value="${token}"><button type="submit">Verify my email address</button></form>`,
    });
  });

  app.post(
    '/verify',
    { config: { rateLimit: 'account' }, attachValidation: true, schema: { body: Type.Object({ _csrf: Csrf, token: MailToken }) } },
    async (request, reply) => {
      const view = viewOf(ctx, request, reply);
      reply.type('text/html; charset=utf-8');
      try {
        if (validationMessage(request) !== null) throw new AppError(400, 'invalid_verification_token', 'This verification link is incomplete; open the whole link from the mail.');
        const user = await verifyEmail(ctx, field(formOf(request), 'token'), requestMeta(request));
        return layout(view, {
          title: 'Email verified',
          body: html`<h1>Email address verified</h1><p>Thank you, ${user.username}: ${user.email} is verified.</p>
<p>${view.principal === null ? html`<a class="button" href="/login">Log in</a>` : html`<a class="button" href="/settings/tokens">Create an API token</a>`}</p>`,
        });
      } catch (error) {
        const refused = refusal(error);
        return reply.code(refused.status).send(
          layout(view, {
            title: 'Verification failed',
            body: html`<h1>This link does not work</h1>${errorBox(refused.message)}<p>Log in and ask for a new link on your <a href="/settings/profile">account page</a>.</p>`,
          }),
        );
      }
    },
  );

  app.get('/login', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const next = safeNext(queryOf(request)['next']);
    if (view.principal !== null) return reply.redirect(next, 303);
    reply.type('text/html; charset=utf-8');
    return loginForm(view, { next }, null);
  });

  app.post(
    '/login',
    {
      config: { rateLimit: 'account' },
      attachValidation: true,
      schema: { body: Type.Object({ _csrf: Csrf, email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 1024 }), next: Type.Optional(Type.String({ maxLength: 1000 })) }) },
    },
    async (request, reply) => {
      const view = viewOf(ctx, request, reply);
      const form = formOf(request);
      const values = { email: field(form, 'email'), next: safeNext(field(form, 'next')) };
      reply.type('text/html; charset=utf-8');
      if (validationMessage(request) !== null) return reply.code(400).send(loginForm(view, values, 'Enter your email address and password.'));
      try {
        const { user, secret } = await logInWithPassword(ctx, values.email, field(form, 'password'), requestMeta(request));
        // A session cookie from before (another user) ends with this login.
        const previous = sessionSecretOf(request);
        if (previous !== null) await endWebSession(ctx, previous, requestMeta(request));
        setSessionCookie(ctx, reply, secret);
        setFlash(ctx, reply, `Welcome back, ${user.username}.${user.email_verified ? '' : ' Verify your email address (see your mail) before you publish.'}`);
        return reply.redirect(values.next, 303);
      } catch (error) {
        const refused = refusal(error);
        return reply.code(refused.status).send(loginForm(view, values, refused.message));
      }
    },
  );

  app.get('/logout', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    if (view.principal === null) return reply.redirect('/', 303);
    reply.type('text/html; charset=utf-8');
    return layout(view, {
      title: 'Log out',
      body: html`<h1>Log out</h1><form method="post" action="/logout">${csrfField(view)}<button type="submit">Log out of ${view.principal.user.username}</button></form>`,
    });
  });

  app.post('/logout', async (request, reply) => {
    const secret = sessionSecretOf(request);
    if (secret !== null) await endWebSession(ctx, secret, requestMeta(request));
    clearSessionCookie(ctx, reply);
    setFlash(ctx, reply, 'You are logged out.');
    return reply.redirect('/', 303);
  });

  app.get('/password-reset', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const token = queryOf(request)['token'];
    reply.type('text/html; charset=utf-8').header('referrer-policy', 'no-referrer');
    return resetForms(view, token === undefined || token === '' ? undefined : token.slice(0, 200), null);
  });

  app.post(
    '/password-reset',
    {
      config: { rateLimit: 'account' },
      attachValidation: true,
      schema: {
        body: Type.Union([Type.Object({ _csrf: Csrf, email: Email }), Type.Object({ _csrf: Csrf, token: MailToken, password: Password })]),
      },
    },
    async (request, reply) => {
      const view = viewOf(ctx, request, reply);
      const form = formOf(request);
      const token = form['token'] === undefined ? undefined : field(form, 'token').slice(0, 200);
      reply.type('text/html; charset=utf-8');
      if (validationMessage(request) !== null) {
        return reply.code(400).send(resetForms(view, token, token === undefined ? 'Enter the email address of your account.' : 'A password needs at least 8 characters.'));
      }
      try {
        if (token === undefined) {
          await requestPasswordReset(ctx, field(form, 'email'), requestMeta(request));
          return layout(view, {
            title: 'Check your mail',
            body: html`<h1>Check your mail</h1><p>If an account uses ${field(form, 'email')}, a link to choose a new password is on its way. It works once, within an hour.</p>`,
          });
        }
        await resetPassword(ctx, token, field(form, 'password'), requestMeta(request));
        setFlash(ctx, reply, 'Your password is changed. Log in with the new one.');
        return reply.redirect('/login', 303);
      } catch (error) {
        const refused = refusal(error);
        return reply.code(refused.status).send(resetForms(view, token, refused.message));
      }
    },
  );
}
