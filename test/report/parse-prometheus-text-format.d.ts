// Types for the dev-only exposition-format parser used by the Prometheus reporter tests.
declare module 'parse-prometheus-text-format' {
  interface Metric {
    value?: string;
    labels?: Record<string, string>;
    timestamp_ms?: string;
  }
  interface Family {
    name: string;
    help: string;
    type: string;
    metrics: Metric[];
  }
  export default function parsePrometheusTextFormat(text: string): Family[];
}
