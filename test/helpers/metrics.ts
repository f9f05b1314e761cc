// Reading Prometheus's text format in tests.

/** The value of one sample (`name{labels}` exactly as rendered, labels in prom-client's order), or undefined. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
