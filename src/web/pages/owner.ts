// What an owner manages: /me/packages (the packages I own), /me/packages/{name} (yank and unyank versions, invite
// and remove owners) and /me/invitations (accept or decline invitations to own a package). Every action is a form
// posted with a CSRF token; the services decide who may do what, exactly as for the API.
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.js';
import { forbidden } from '../../errors.js';
import { requestMeta } from '../../http/auth.js';
import type { Principal } from '../../services/authentication.js';
import { listPackageVersions } from '../../services/catalog.js';
import { answerInvitation, inviteOwners, myInvitations, packageOwners, removePackageOwner } from '../../services/owners.js';
import type { RequestMeta } from '../../services/notify.js';
import { setVersionYanked } from '../../services/packages.js';
import { userPackages } from '../../services/users.js';
import { formatDate, formatNumber, packageLink, pagination } from '../components.js';
import { field, formOf, type FormBody, pageNumber, queryOf, refusal, signedIn } from '../forms.js';
import { html } from '../html.js';
import { csrfField, layout, viewOf } from '../layout.js';
import { setFlash } from '../session.js';

const manageHref = (name: string) => `/me/packages/${encodeURIComponent(name)}`;

export function ownerPages(app: FastifyInstance, ctx: Context): void {
  app.get('/me/packages', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const principal = signedIn(view, reply);
    if (principal === null) return reply;
    const page = pageNumber(queryOf(request)['page']);
    const list = await userPackages(ctx, principal.user.username, page, 50);
    reply.type('text/html; charset=utf-8');
    return layout(view, {
      title: 'My packages',
      body: html`<h1>My packages</h1>
${list.packages.length === 0
  ? html`<p>You own no packages yet. Create an <a href="/settings/tokens">API token</a>, then run <code>sounio publish</code> in your package's directory.</p>`
  : html`<div class="table-scroll"><table>
<thead><tr><th scope="col">Package</th><th scope="col">Latest</th><th scope="col">Downloads</th><th scope="col">Updated</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${list.packages.map(
      (pkg) => html`<tr><td><a href="${packageLink(pkg.name)}">${pkg.name}</a></td><td>${pkg.latest_version || '–'}</td><td>${formatNumber(pkg.downloads)}</td><td>${formatDate(pkg.updated_at)}</td>
<td><a href="${manageHref(pkg.name)}" aria-label="Manage ${pkg.name}">Manage</a></td></tr>`,
    )}</tbody></table></div>`}
${pagination('/me/packages', {}, page, list.has_next, list.total, 50)}
<p><a href="/me/invitations">Invitations to own packages</a></p>`,
    });
  });

  app.get<{ Params: { name: string } }>('/me/packages/:name', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const principal = signedIn(view, reply);
    if (principal === null) return reply;
    const owners = await packageOwners(ctx, principal, request.params.name);
    // Invitations are listed only for owners (and admins): that is the service's own test of who manages.
    if (owners.invitations === undefined) throw forbidden(`You are not an owner of ${request.params.name}.`, 'not_owner');
    const versions = await listPackageVersions(ctx, request.params.name);
    const name = versions[0]?.package_name ?? request.params.name;
    reply.type('text/html; charset=utf-8');
    return layout(view, {
      title: `Manage ${name}`,
      body: html`<h1>Manage <a href="${packageLink(name)}">${name}</a></h1>
<h2>Versions</h2>
<p class="hint">Yanking keeps a version downloadable for projects that already lock it, but new resolutions skip it.</p>
<div class="table-scroll"><table>
<thead><tr><th scope="col">Version</th><th scope="col">Published</th><th scope="col">Downloads</th><th scope="col">State</th></tr></thead>
<tbody>${versions.map(
        (version) => html`<tr><td><a href="${packageLink(name, version.version)}">${version.version}</a></td><td>${formatDate(version.published_at)}</td><td>${formatNumber(version.downloads)}</td>
<td>${version.yanked
          ? html`<span class="badge yanked">yanked</span>${version.yanked_reason === undefined ? null : html` <span class="meta">${version.yanked_reason}</span>`}
<form class="inline-form" method="post" action="${manageHref(name)}/unyank">${csrfField(view)}<input type="hidden" name="version" value="${version.version}"><button type="submit" class="secondary">Unyank ${version.version}</button></form>`
          : html`<form class="inline-form" method="post" action="${manageHref(name)}/yank">${csrfField(view)}<input type="hidden" name="version" value="${version.version}">
<label class="visually-hidden" for="reason-${version.version}">Reason for yanking ${version.version}</label><input id="reason-${version.version}" type="text" name="reason" maxlength="200" placeholder="Reason (optional)">
<button type="submit" class="danger">Yank ${version.version}</button></form>`}</td></tr>`,
      )}</tbody></table></div>
<h2>Owners</h2>
<ul class="compact-list">${owners.users.map(
        (owner) => html`<li><a href="/users/${encodeURIComponent(owner.username)}">${owner.username}</a>${owners.users.length > 1
          ? html`<form method="post" action="${manageHref(name)}/owners/remove">${csrfField(view)}<input type="hidden" name="username" value="${owner.username}"><button type="submit" class="danger" aria-label="Remove ${owner.username} from the owners">Remove</button></form>`
          : html`<span class="meta">the last owner</span>`}</li>`,
      )}</ul>
${owners.invitations.length === 0
  ? null
  : html`<h3>Pending invitations</h3><ul class="compact-list">${owners.invitations.map(
      (invitation) => html`<li><span>${invitation.username} <span class="meta">until ${formatDate(invitation.expires_at)}</span></span>
<form method="post" action="${manageHref(name)}/owners/remove">${csrfField(view)}<input type="hidden" name="username" value="${invitation.username}"><button type="submit" class="secondary">Cancel</button></form></li>`,
    )}</ul>`}
<form class="inline-form" method="post" action="${manageHref(name)}/owners/invite">
${csrfField(view)}
<div><label for="invite">Invite an owner</label><input id="invite" type="text" name="username" required maxlength="39" placeholder="username"></div>
<button type="submit">Send invitation</button>
</form>`,
    });
  });

  const action = (path: string, work: (name: string, form: FormBody, principal: Principal, meta: RequestMeta) => Promise<string>) => {
    app.post<{ Params: { name: string } }>(`/me/packages/:name/${path}`, async (request, reply) => {
      const principal = request.principal;
      const back = manageHref(request.params.name);
      if (principal === null) return reply.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
      try {
        setFlash(ctx, reply, await work(request.params.name, formOf(request), principal, requestMeta(request)));
      } catch (error) {
        setFlash(ctx, reply, refusal(error).message);
      }
      return reply.redirect(back, 303);
    });
  };

  action('yank', async (name, form, principal, meta) => {
    const reason = field(form, 'reason').trim().slice(0, 200);
    const version = await setVersionYanked(ctx, principal, name, field(form, 'version'), true, reason === '' ? null : reason, meta);
    return `${version.package_name} ${version.version} is yanked.`;
  });
  action('unyank', async (name, form, principal, meta) => {
    const version = await setVersionYanked(ctx, principal, name, field(form, 'version'), false, null, meta);
    return `${version.package_name} ${version.version} is available again.`;
  });
  action('owners/invite', async (name, form, principal, meta) => (await inviteOwners(ctx, principal, name, [field(form, 'username').trim().slice(0, 39)], meta)).message);
  action('owners/remove', async (name, form, principal, meta) => (await removePackageOwner(ctx, principal, name, field(form, 'username').slice(0, 39), meta)).message);

  app.get('/me/invitations', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const principal = signedIn(view, reply);
    if (principal === null) return reply;
    const { invitations } = await myInvitations(ctx, principal);
    reply.type('text/html; charset=utf-8');
    return layout(view, {
      title: 'Invitations',
      body: html`<h1>Invitations to own packages</h1>
${invitations.length === 0
  ? html`<p class="muted">You have no pending invitations.</p>`
  : html`<ul class="package-list">${invitations.map(
      (invitation) => html`<li><a class="name" href="${packageLink(invitation.package)}">${invitation.package}</a>
<p class="meta">${invitation.invited_by === undefined ? null : html`from ${invitation.invited_by} · `}expires ${formatDate(invitation.expires_at)}</p>
<div class="actions">
<form method="post" action="/me/invitations/${encodeURIComponent(invitation.package)}/accept">${csrfField(view)}<button type="submit">Accept ${invitation.package}</button></form>
<form method="post" action="/me/invitations/${encodeURIComponent(invitation.package)}/decline">${csrfField(view)}<button type="submit" class="secondary">Decline</button></form>
</div></li>`,
    )}</ul>`}`,
    });
  });

  for (const answer of ['accept', 'decline'] as const) {
    app.post<{ Params: { name: string } }>(`/me/invitations/:name/${answer}`, async (request, reply) => {
      const principal = request.principal;
      if (principal === null) return reply.redirect('/login?next=/me/invitations', 303);
      try {
        setFlash(ctx, reply, (await answerInvitation(ctx, principal, request.params.name, answer === 'accept', requestMeta(request))).message);
      } catch (error) {
        setFlash(ctx, reply, refusal(error).message);
      }
      return reply.redirect('/me/invitations', 303);
    });
  }
}
