// The one stylesheet of the web interface: system fonts, light and dark colours by prefers-color-scheme (contrast AA
// in both), visible focus, a layout that folds down to a phone. Served at /static/style.<hash>.css (see assets.ts).
export const STYLE_CSS = String.raw`
:root {
  color-scheme: light dark;
  --bg: #ffffff; --bg-soft: #f4f6f8; --bg-code: #eef1f4; --fg: #1b1f24; --fg-soft: #4a5360; --border: #d3d9e0;
  --accent: #0b5cad; --accent-fg: #ffffff; --accent-soft: #e3eefa; --danger: #a3121f; --ok: #1a6b32; --warn-bg: #fff4d6;
  --focus: #c2410c; --bar: #2f74c0;
  --radius: 6px; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #12161b; --bg-soft: #1a2027; --bg-code: #222a33; --fg: #e6eaef; --fg-soft: #a9b3bf; --border: #34404c;
    --accent: #7cb6f5; --accent-fg: #0c1117; --accent-soft: #1c2d40; --danger: #ff8a8f; --ok: #6fd68d; --warn-bg: #3b3116;
    --focus: #fdba74; --bar: #7cb6f5;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
a { color: var(--accent); text-underline-offset: 2px; }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 2px; }
code, pre, kbd { font-family: var(--mono); font-size: .92em; }
code { background: var(--bg-code); padding: .1em .35em; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: var(--bg-code); padding: .8em 1em; border-radius: var(--radius); overflow-x: auto; }
pre code { background: none; padding: 0; }
h1, h2, h3 { line-height: 1.25; }
h1 { font-size: 1.8rem; margin: .2em 0 .4em; }
h2 { font-size: 1.3rem; margin: 1.4em 0 .5em; }
h3 { font-size: 1.05rem; margin: 1.2em 0 .4em; }
img { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45em .6em; border-bottom: 1px solid var(--border); vertical-align: top; }
th { font-weight: 600; color: var(--fg-soft); }
.skip { position: absolute; left: -999px; top: .5rem; background: var(--accent); color: var(--accent-fg); padding: .5em 1em; z-index: 10; }
.skip:focus { left: .5rem; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.wrap { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
.site-header { background: var(--bg-soft); border-bottom: 1px solid var(--border); }
.site-header .wrap { display: flex; flex-wrap: wrap; align-items: center; gap: .6rem 1.2rem; padding-top: .7rem; padding-bottom: .7rem; }
.brand { font-weight: 700; font-size: 1.15rem; color: var(--fg); text-decoration: none; white-space: nowrap; }
.brand span { color: var(--accent); }
.header-search { flex: 1 1 16rem; display: flex; gap: .4rem; }
.header-search input { flex: 1; min-width: 0; }
.site-nav { display: flex; flex-wrap: wrap; align-items: center; gap: .3rem .9rem; }
.site-nav form { display: inline; margin: 0; }
main { padding: 1.2rem 0 3rem; }
.site-footer { border-top: 1px solid var(--border); color: var(--fg-soft); font-size: .92rem; padding: 1.2rem 0 2rem; }
.site-footer .wrap > a { margin-right: 1rem; }
dl { margin: 0; }
dt { font-weight: 600; color: var(--fg-soft); font-size: .9rem; }
dd { margin: 0 0 .5rem; }
code.checksum { display: block; word-break: break-all; font-size: .8rem; }
input[type=text], input[type=search], input[type=email], input[type=password], input[type=number], input[type=date], select, textarea {
  font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--border); border-radius: var(--radius); padding: .45em .6em; max-width: 100%;
}
textarea { width: 100%; min-height: 5em; }
button, .button { font: inherit; font-weight: 600; cursor: pointer; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-fg);
  border-radius: var(--radius); padding: .45em .9em; text-decoration: none; display: inline-block; line-height: 1.3; }
button.secondary, .button.secondary { background: transparent; color: var(--accent); }
button.danger { background: transparent; border-color: var(--danger); color: var(--danger); }
button.link { background: none; border: none; color: var(--accent); padding: 0; font-weight: 400; text-decoration: underline; text-underline-offset: 2px; }
.form { max-width: 32rem; }
.form .field { margin: 0 0 1rem; }
.form label, .label { display: block; font-weight: 600; margin-bottom: .25rem; }
.form input[type=text], .form input[type=email], .form input[type=password], .form input[type=date], .form select { width: 100%; }
.hint { color: var(--fg-soft); font-size: .9rem; margin: .2rem 0 0; }
fieldset { border: 1px solid var(--border); border-radius: var(--radius); margin: 0 0 1rem; padding: .6rem 1rem; }
legend { font-weight: 600; padding: 0 .3rem; }
.checks label { display: inline-flex; align-items: center; gap: .35rem; margin-right: 1.2rem; font-weight: 400; }
.notice, .error-box { border-radius: var(--radius); padding: .7rem 1rem; margin: 0 0 1rem; border: 1px solid var(--border); }
.notice { background: var(--accent-soft); }
.error-box { border-color: var(--danger); color: var(--danger); background: var(--bg-soft); }
.warning { background: var(--warn-bg); border-radius: var(--radius); padding: .7rem 1rem; margin: 0 0 1rem; }
.muted { color: var(--fg-soft); }
.stats { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1rem 0; padding: 0; list-style: none; }
.stats li { background: var(--bg-soft); border: 1px solid var(--border); border-radius: var(--radius); padding: .6rem 1rem; min-width: 9rem; }
.stats strong { display: block; font-size: 1.35rem; }
.hero { padding: 1.2rem 0 .4rem; }
.hero form { display: flex; gap: .5rem; max-width: 40rem; }
.hero input { flex: 1; font-size: 1.1rem; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 0 2rem; }
.package-list { list-style: none; padding: 0; margin: 0; }
.package-list > li { padding: .7rem 0; border-bottom: 1px solid var(--border); }
.package-list .name { font-weight: 600; font-size: 1.05rem; }
.package-list p { margin: .2rem 0; }
.compact-list { list-style: none; padding: 0; margin: 0; }
.compact-list li { padding: .3rem 0; border-bottom: 1px solid var(--border); display: flex; justify-content: space-between; gap: .5rem; }
.meta { color: var(--fg-soft); font-size: .9rem; }
.tags { display: flex; flex-wrap: wrap; gap: .35rem; list-style: none; padding: 0; margin: .3rem 0; }
.tags a { display: inline-block; background: var(--accent-soft); border-radius: 999px; padding: .05em .65em; font-size: .88rem; text-decoration: none; }
.badge { display: inline-block; border: 1px solid currentColor; border-radius: 4px; padding: 0 .4em; font-size: .8rem; font-weight: 600; }
.badge.yanked { color: var(--danger); }
.package-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .4rem 1rem; }
.package-head .version { font-family: var(--mono); color: var(--fg-soft); font-size: 1.2rem; }
.package-layout { display: grid; grid-template-columns: minmax(0, 1fr) 20rem; gap: 2rem; }
.package-layout aside section { margin-bottom: 1.4rem; }
.package-layout aside h2 { font-size: 1rem; margin: 0 0 .4rem; }
.install { display: flex; align-items: center; gap: .5rem; background: var(--bg-code); border-radius: var(--radius); padding: .4rem .6rem; }
.install code { flex: 1; background: none; padding: 0; }
.copy { padding: .2em .6em; font-size: .85rem; }
.readme { overflow-wrap: break-word; }
.readme img { max-width: 100%; }
.readme table { width: auto; }
.chart { margin: 0 0 1rem; }
.chart svg { width: 100%; height: auto; display: block; }
.chart .bar { fill: var(--bar); }
.chart .axis { stroke: var(--border); }
.chart text { fill: var(--fg-soft); font-size: 11px; font-family: system-ui, sans-serif; }
.pagination { display: flex; flex-wrap: wrap; gap: .8rem; align-items: center; margin: 1.2rem 0; }
.filters { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; margin: .5rem 0 1rem; }
.filters label { display: block; font-size: .9rem; font-weight: 600; }
.token-secret { font-family: var(--mono); word-break: break-all; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.actions form { margin: 0; }
.inline-form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: .5rem 0; }
.table-scroll { overflow-x: auto; }
@media (max-width: 760px) {
  .package-layout { grid-template-columns: 1fr; }
  h1 { font-size: 1.5rem; }
  .hero form { flex-direction: column; }
  th, td { padding: .4em .3em; }
}
`;
