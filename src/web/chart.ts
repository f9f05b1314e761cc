// The downloads chart of a package page: one bar per day, drawn on the server as inline SVG (no script, no
// library). Each bar has a <title> (a tooltip, and what screen readers can explore); the whole has a text summary.
import type { DailyDownloads } from '../db/stats.js';
import { html, type SafeHtml } from './html.js';

const WIDTH = 720;
const HEIGHT = 180;
const TOP = 14;
const BOTTOM = 22;
const LEFT = 44;

function compact(count: number): string {
  if (count >= 1_000_000) return `${(count / 1_000_000).toFixed(count >= 10_000_000 ? 0 : 1)}M`;
  if (count >= 10_000) return `${Math.round(count / 1000)}k`;
  return count.toLocaleString('en-US');
}

/** A nice round ceiling for the y axis (1, 2 or 5 times a power of ten). */
function axisMax(max: number): number {
  if (max <= 5) return 5;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** The chart, or null when there were no downloads in the period (the page then says so in words). */
export function downloadsChart(days: DailyDownloads[]): SafeHtml | null {
  const total = days.reduce((sum, day) => sum + day.downloads, 0);
  if (days.length === 0 || total === 0) return null;
  const top = axisMax(Math.max(...days.map((day) => day.downloads)));
  const plotWidth = WIDTH - LEFT - 4;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = plotWidth / days.length;
  const barWidth = Math.max(1, slot * 0.8);
  const bars = days.map((day, index) => {
    const height = (day.downloads / top) * plotHeight;
    const x = LEFT + index * slot + (slot - barWidth) / 2;
    const y = TOP + plotHeight - height;
    return html`<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${height.toFixed(1)}"><title>${day.date}: ${day.downloads.toLocaleString('en-US')} download${day.downloads === 1 ? '' : 's'}</title></rect>`;
  });
  const first = days[0]!.date;
  const last = days[days.length - 1]!.date;
  const summary = `Downloads per day from ${first} to ${last}: ${total.toLocaleString('en-US')} in all, at most ${Math.max(...days.map((day) => day.downloads)).toLocaleString('en-US')} on one day.`;
  return html`<figure class="chart" data-total="${total}">
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">
<title id="chart-title">${summary}</title>
<line class="axis" x1="${LEFT}" y1="${TOP}" x2="${WIDTH - 4}" y2="${TOP}"/>
<line class="axis" x1="${LEFT}" y1="${TOP + plotHeight / 2}" x2="${WIDTH - 4}" y2="${TOP + plotHeight / 2}"/>
<line class="axis" x1="${LEFT}" y1="${TOP + plotHeight}" x2="${WIDTH - 4}" y2="${TOP + plotHeight}"/>
<text x="${LEFT - 6}" y="${TOP + 4}" text-anchor="end">${compact(top)}</text>
<text x="${LEFT - 6}" y="${TOP + plotHeight / 2 + 4}" text-anchor="end">${compact(top / 2)}</text>
<text x="${LEFT - 6}" y="${TOP + plotHeight + 4}" text-anchor="end">0</text>
${bars}
<text x="${LEFT}" y="${HEIGHT - 4}">${first}</text>
<text x="${WIDTH - 4}" y="${HEIGHT - 4}" text-anchor="end">${last}</text>
</svg>
<figcaption class="meta">${total.toLocaleString('en-US')} download${total === 1 ? '' : 's'} in the last ${days.length} days</figcaption>
</figure>`;
}
